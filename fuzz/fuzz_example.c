/* libFuzzer target for the Example family: the input is parsed as an Example and as a
 * SequenceExample. Whatever parses must serialize, parse back equal (keys in the same order) and
 * reserialize to the same bytes; its text, JSON and key tree must render, and the JSON must read
 * back (equal, when every key is UTF-8, since JSON carries only Unicode). The input is also read
 * as JSON, and what that yields must survive the wire. A bad input must be INVALID_ARGUMENT,
 * never anything else, and no call may leave an allocation behind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfc/example.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

static bool keys_utf8(const char *s) {
    const uint8_t *p = (const uint8_t *)s;
    while (*p) {
        size_t len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;
        uint32_t cp = len == 1 ? *p : len == 2 ? *p & 0x1fu : len == 3 ? *p & 0x0fu : *p & 0x07u;
        if (*p >= 0x80 && (*p < 0xc2 || *p > 0xf4)) return false;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (p[i] & 0x3fu);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += len;
    }
    return true;
}

static bool features_utf8(const tfc_features *fs) {
    for (size_t i = 0; i < tfc_features_count(fs); i++)
        if (!keys_utf8(tfc_features_key(fs, i))) return false;
    return true;
}

static void same_order(const tfc_features *a, const tfc_features *b) {
    CHECK(tfc_features_count(a) == tfc_features_count(b));
    for (size_t i = 0; i < tfc_features_count(a); i++)
        CHECK(!strcmp(tfc_features_key(a, i), tfc_features_key(b, i)));
}

static void check_example(const uint8_t *data, size_t size) {
    tfc_status st = {0};
    tfc_example *ex;
    tfc_code c = tfc_example_parse(data, size, &ex, &st);
    if (c != TFC_OK) {
        CHECK(c == TFC_INVALID_ARGUMENT && ex == NULL && st.msg[0]);
        return;
    }
    uint8_t *buf, *buf2;
    size_t n, n2;
    CHECK(tfc_example_serialize(ex, &buf, &n, &st) == TFC_OK);
    tfc_example *back;
    CHECK(tfc_example_parse(buf, n, &back, &st) == TFC_OK);
    CHECK(tfc_example_equal(ex, back));
    same_order(tfc_example_features_const(ex), tfc_example_features_const(back));
    CHECK(tfc_example_serialize(back, &buf2, &n2, &st) == TFC_OK);
    CHECK(n == n2 && !memcmp(buf, buf2, n));
    CHECK(!tfc_example_is_sequence(buf, n));
    tfc_free(buf);
    tfc_free(buf2);
    tfc_example_free(back);

    char *text = tfc_example_to_text(ex), *json = tfc_example_to_json(ex);
    char *tree = tfc_features_key_tree(tfc_example_features_const(ex));
    CHECK(text && json && tree);
    CHECK(tfc_example_from_json(json, strlen(json), &back, &st) == TFC_OK);
    if (features_utf8(tfc_example_features_const(ex))) {
        CHECK(tfc_example_equal(ex, back));
        same_order(tfc_example_features_const(ex), tfc_example_features_const(back));
    }
    tfc_example_free(back);
    tfc_free(text);
    tfc_free(json);
    tfc_free(tree);
    tfc_example_free(ex);
}

static void check_sequence(const uint8_t *data, size_t size) {
    tfc_status st = {0};
    tfc_sequence_example *se;
    tfc_code c = tfc_sequence_example_parse(data, size, &se, &st);
    if (c != TFC_OK) {
        CHECK(c == TFC_INVALID_ARGUMENT && se == NULL && st.msg[0]);
        return;
    }
    /* Field 1 is the same in both messages, so the bytes are an Example with that context. */
    tfc_example *ex;
    CHECK(tfc_example_parse(data, size, &ex, &st) == TFC_OK);
    CHECK(
        tfc_features_equal(tfc_example_features_const(ex), tfc_sequence_example_context_const(se)));
    tfc_example_free(ex);

    uint8_t *buf, *buf2;
    size_t n, n2;
    CHECK(tfc_sequence_example_serialize(se, &buf, &n, &st) == TFC_OK);
    tfc_sequence_example *back;
    CHECK(tfc_sequence_example_parse(buf, n, &back, &st) == TFC_OK);
    CHECK(tfc_sequence_example_equal(se, back));
    same_order(tfc_sequence_example_context_const(se), tfc_sequence_example_context_const(back));
    CHECK(tfc_sequence_example_serialize(back, &buf2, &n2, &st) == TFC_OK);
    CHECK(n == n2 && !memcmp(buf, buf2, n));
    CHECK(tfc_example_is_sequence(buf, n) == (tfc_sequence_example_num_lists(se) > 0));
    tfc_free(buf);
    tfc_free(buf2);
    tfc_sequence_example_free(back);

    char *text = tfc_sequence_example_to_text(se), *json = tfc_sequence_example_to_json(se);
    char *tree = tfc_sequence_example_key_tree(se);
    CHECK(text && json && tree);
    CHECK(tfc_sequence_example_from_json(json, strlen(json), &back, &st) == TFC_OK);
    bool utf8 = features_utf8(tfc_sequence_example_context_const(se));
    for (size_t i = 0; i < tfc_sequence_example_num_lists(se); i++)
        utf8 = utf8 && keys_utf8(tfc_sequence_example_list_key(se, i));
    if (utf8) CHECK(tfc_sequence_example_equal(se, back));
    tfc_sequence_example_free(back);
    tfc_free(text);
    tfc_free(json);
    tfc_free(tree);
    tfc_sequence_example_free(se);
}

static void check_json(const uint8_t *data, size_t size) {
    tfc_status st = {0};
    tfc_example *ex;
    tfc_sequence_example *se;
    tfc_code c = tfc_example_from_json_any((const char *)data, size, &ex, &se, &st);
    if (c != TFC_OK) {
        CHECK(c == TFC_INVALID_ARGUMENT && !ex && !se && st.msg[0]);
        return;
    }
    CHECK(!ex != !se);
    uint8_t *buf;
    size_t n;
    if (ex) {
        tfc_example *back;
        CHECK(tfc_example_serialize(ex, &buf, &n, &st) == TFC_OK);
        CHECK(tfc_example_parse(buf, n, &back, &st) == TFC_OK);
        CHECK(tfc_example_equal(ex, back));
        tfc_example_free(back);
    } else {
        tfc_sequence_example *back;
        CHECK(tfc_sequence_example_serialize(se, &buf, &n, &st) == TFC_OK);
        CHECK(tfc_sequence_example_parse(buf, n, &back, &st) == TFC_OK);
        CHECK(tfc_sequence_example_equal(se, back));
        tfc_sequence_example_free(back);
    }
    tfc_free(buf);
    tfc_example_free(ex);
    tfc_sequence_example_free(se);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int64_t live = tfc_alloc_live_count();
    check_example(data, size);
    check_sequence(data, size);
    check_json(data, size);
    CHECK(tfc_alloc_live_count() == live);
    return 0;
}
