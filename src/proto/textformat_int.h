/* Private to the text format parser: the tokenizer and scalar readers (textformat_lex.c) that
 * the message reader (textformat_parse.c) drives. */
#ifndef TFC_TEXTFORMAT_INT_H
#define TFC_TEXTFORMAT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tfc/base.h"

typedef enum tfc__text_tok {
    TFC__TOK_EOF,
    TFC__TOK_IDENT,
    TFC__TOK_NUM,
    TFC__TOK_STR,
    TFC__TOK_SYM
} tfc__text_tok;

typedef struct tfc__text_parser {
    const char *p, *end, *line_start;
    int line;
    /* the current token */
    tfc__text_tok kind;
    const char *tok;
    size_t len;
    int tline, tcol;
    tfc_status *st;
    bool failed;
    bool skip_unknown; /* unknown field names are skipped with their values */
} tfc__text_parser;

/* Records the first error as "text format: LINE:COL: ..." (INVALID_ARGUMENT). */
tfc_code tfc__text_fail_at(tfc__text_parser *ps, int line, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
#define FAIL(ps, ...) tfc__text_fail_at((ps), (ps)->tline, (ps)->tcol, __VA_ARGS__)
tfc_code tfc__text_oom(tfc__text_parser *ps);
/* The current token quoted for a message ("'}'", "end of input"). */
const char *tfc__text_tok_desc(tfc__text_parser *ps, char *buf, size_t n);
/* Moves to the next token (skipping whitespace and '#' comments). */
tfc_code tfc__text_next(tfc__text_parser *ps);
bool tfc__text_is_sym(const tfc__text_parser *ps, char c);
tfc_code tfc__text_expect_sym(tfc__text_parser *ps, char c, const char *after);
/* One or more adjacent string literals, unescaped, into a new NUL-terminated buffer. */
tfc_code tfc__text_read_string(tfc__text_parser *ps, char **out, size_t *len);
/* An integer literal (decimal, 0x hex, 0 octal) without its sign. */
tfc_code tfc__text_read_uint(tfc__text_parser *ps, uint64_t *v);
/* A float literal (optional 'f' suffix) or inf/infinity/nan; neg: a '-' came before. */
tfc_code tfc__text_read_double(tfc__text_parser *ps, bool neg, double *v);

#endif
