/* yamldoc.h - YAML documents as sops reads and writes them.
 *
 * Reading uses libyaml's parser. The document must be one mapping (as
 * sops requires); scalars get the types sops's YAML decoder (go-yaml v3)
 * gives them: plain null/~/empty -> null, true/false -> bool, integers
 * (0x, 0o, 0b and leading-0 octal as Go reads them) -> int, YAML floats
 * -> float, everything else and every quoted or block scalar -> string.
 * Aliases are expanded (bounded), duplicate keys are refused.
 *
 * libyaml does not report comments, so they are found in the text:
 * a '#' at the start of a line or after a blank, outside every scalar.
 * Each becomes a comment item of the innermost mapping or sequence open
 * at its position (a comment at the end of a nested block belongs to it
 * when it is indented at least as deep as the block's entries), before
 * the entry that follows it; a comment after a value on the same line is
 * marked inline and placed before that entry, as sops 3.9 does.
 *
 * Writing follows go-yaml v3 with sops's indentation of 4: block
 * mappings and sequences, sequences indented under their key, entries of
 * a mapping inside a sequence after "- ", multi-line strings as literal
 * blocks, strings that would read back as another type double-quoted,
 * strings that cannot be plain single-quoted, "{}" and "[]" when empty;
 * a mapping or sequence holding only comments as a flow collection over
 * several lines, the comments inside it and the inline comments of its
 * entry after its closing bracket (where the reader puts them back).
 *
 * Errors read "<name>: line L, column C: <problem>".
 */
#ifndef SIGNET_YAMLDOC_H
#define SIGNET_YAMLDOC_H

#include <stddef.h>

#include "buf.h"
#include "sopsdoc.h"

int sg_yaml_read(const char *name, const char *text, size_t len, struct sg_sops_node **out);
int sg_yaml_write(const struct sg_sops_node *doc, struct sg_buf *out);
/* One value as sops's YAML store emits it (for --extract): a document
 * holding just that value, ending in a newline. */
int sg_yaml_write_value(const struct sg_sops_node *v, struct sg_buf *out);

#endif
