# tfc: top-level driver over CMake. `make` builds into build/ (the command is build/tfc).
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps test test-release test-asan test-fuzz fuzz bench demo format clean

all: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

deps:
	@bash scripts/install-deps.sh

# Every test: release build, ASan+UBSan build, and a short libFuzzer run of each fuzz target.
test: deps test-release test-asan test-fuzz

test-release: all
	cd build && ctest --output-on-failure -j 1

test-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTFC_SANITIZE=ON -DTFC_BENCH=OFF >/dev/null
	@cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j 1 -E interop_tensorflow

FUZZ_SECONDS ?= 15
test-fuzz: deps
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTFC_FUZZ=ON -DTFC_TESTS=OFF \
	  -DTFC_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	cd build-fuzz && ctest --output-on-failure -j 1

# Longer fuzzing: make fuzz FUZZ_SECONDS=600
fuzz:
	$(MAKE) test-fuzz FUZZ_SECONDS=$(if $(filter 15,$(FUZZ_SECONDS)),300,$(FUZZ_SECONDS))

bench: all
	@bash scripts/install-bench-deps.sh
	bash bench/run.sh

demo: all
	bash scripts/demo.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz
