/* Protocol buffer text format for any of tfc's messages, driven by protobuf-c's descriptors — what
 * tf.io.write_graph(as_text=True) writes and what TensorFlow's .pbtxt files hold:
 *
 *     node {
 *       name: "x"
 *       op: "Placeholder"
 *       attr {
 *         key: "dtype"
 *         value {
 *           type: DT_INT32
 *         }
 *       }
 *     }
 *
 * Printing follows Python's text_format (which write_graph uses): fields in field-number order,
 * two-space indentation, enums by name (by number when the value has no name), strings and bytes
 * quoted with C escapes (\n \r \t \" \' \\, other bytes outside 0x20..0x7e as three-digit octal),
 * map entries sorted by key, floats as the shortest decimal that reads back to the same float
 * (Python's repr layout: "0.1", "1.0", "1e-07", "inf", "nan"). Proto3 scalars equal to their
 * default are left out, except members of a oneof, which print whenever they are set.
 *
 * Parsing accepts what TensorFlow and protobuf write: fields by name; "field: value" or
 * "field [:] { ... }" / "< ... >" for messages; repeated fields as repeated entries or as
 * "[a, b]" lists; enums by name or number; integers in decimal, hex or octal; floats with an
 * optional 'f' suffix, inf/nan; strings in single or double quotes with C escapes (\ooo, \xhh,
 * \uXXXX), adjacent literals concatenated; optional ',' or ';' after a field; '#' comments;
 * with TFC_TEXT_SKIP_UNKNOWN, TensorFlow's fields that tfc's protos leave out.
 * Errors are INVALID_ARGUMENT "text format: LINE:COL: what" — unknown fields, a non-repeated field
 * given twice, two members of a oneof, values out of range, nesting deeper than
 * TFC_PROTO_MAX_DEPTH. Extensions and Any expansions are not supported. */
#ifndef TFC_TEXTFORMAT_H
#define TFC_TEXTFORMAT_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "tfc/base.h"

/* The text form of m as a new NUL-terminated string (tfc_free); NULL when out of memory. */
char *tfc__text_print(const ProtobufCMessage *m);

/* Parse flags. */
enum {
    /* Skip, with their values, the fields TensorFlow declares that tfc's protos leave out
     * (GraphDef.debug_info, NodeDef.experimental_debug_info, ArgDef.handle_data, any
     * experimental_*), as binary parsing does. Any other unknown name is an error, as in
     * protobuf's own text parser, with or without this flag. */
    TFC_TEXT_SKIP_UNKNOWN = 1,
};

/* Parses n bytes of text into a new message of type desc (free with tfc__proto_free). On error
 * *out is NULL and nothing is left allocated. */
tfc_code tfc__text_parse(const ProtobufCMessageDescriptor *desc, const char *text, size_t n,
                         unsigned flags, ProtobufCMessage **out, tfc_status *st);

/* The text form of one float/double as the printer writes it, into buf (32 bytes suffice). */
void tfc__text_format_float(float v, char *buf, size_t n);
void tfc__text_format_double(double v, char *buf, size_t n);

#endif
