/* SPDX-License-Identifier: MIT */
/*
 * SQL functions over stored exits, with the decoder as their only source of meaning. Each takes the isa as
 * stored in `exits` (1..4) or as text ('vmx', 'svm', 'kvm', 'host'):
 *   exit_name(isa, reason)                         'IO_INSTRUCTION', or NULL for an unknown code
 *   exit_field(isa, reason, qualification, field [, info2 [, intr_info]])
 *                                                  one decoded field as an integer; 'field_name' gives
 *                                                  an enumerated field's name ('MOV_TO_CR')
 *   exit_decode(isa, reason, qualification [, info2 [, intr_info]])
 *                                                  every decoded field as the decoder's JSON object
 *   exit_isa(isa)                                  'vmx', 'svm', 'kvm', 'host'
 * A reason may be given by name too. NULL for unknown inputs (a NULL argument, an unknown code, a field that
 * depends on an absent info2/intr_info); an error for an argument that cannot be what it stands for (a
 * reason over 32 bits, a fraction, a blob, text with a NUL). Never a wrong value (docs/schema.md).
 * exitscope registers them on every connection it opens; the loadable extension (db/extension.c) registers
 * the same functions in any SQLite program.
 */
#ifndef EXITSCOPE_DB_SQLFUNCS_H
#define EXITSCOPE_DB_SQLFUNCS_H

#include <stddef.h>

#include "db/sqlite_api.h"

int xs_sql_register_functions(sqlite3 *db, char *err, size_t errlen);

#endif
