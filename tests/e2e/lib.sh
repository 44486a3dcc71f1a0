# Shared by the end-to-end scripts: a scratch dir $T, counters, and checks on the last command.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0

check() { # name, expected exit status, command...
  local name=$1 want=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: exit $got, expected $want"; head -c 600 "$T/err"
  fi
}
expect_out() { # name, expected stdout (exact, trailing newlines aside)
  if [ "$(cat "$T/out")" == "$2" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $1: got '$(head -c 600 "$T/out")', expected '$2'"
  fi
}
expect_out_has() { # name, substring of stdout
  if grep -qF -- "$2" "$T/out"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $1: stdout lacks '$2': $(head -c 400 "$T/out")"
  fi
}
expect_err() { # name, substring of stderr
  if grep -qF -- "$2" "$T/err"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $1: stderr lacks '$2': $(head -c 400 "$T/err")"
  fi
}
summary() { # prints the closing line ctest shows and sets the exit status
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
