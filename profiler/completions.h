/*
 * completions.h - peekpy completions SHELL: the completion script of bash,
 * zsh or fish, made from the command table and the help texts, so that
 * what a shell offers is what the parser takes.
 */
#ifndef PEEKPY_COMPLETIONS_H
#define PEEKPY_COMPLETIONS_H

#include <stdio.h>

#include "options.h"

/* Write the script for options->shell to standard output: 0, or 1 when it
 * could not be written (said on stderr). */
int completions_run(const struct options *options);

/* The script for shell ("bash", "zsh", "fish") to out; -1 for another. */
int completions_write(const char *shell, FILE *out);

#endif
