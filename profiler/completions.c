/*
 * completions.c - shell completion scripts (see completions.h).
 *
 * Everything offered comes from options.c: the commands and their options
 * from its command table, the formats -f takes from the format table, and
 * each description from the first lines of the help texts.  Nothing here
 * names an option, so a new one is completed as soon as it is parsed.
 * This file must not parse a command line itself.
 */
#include "completions.h"

#include <ctype.h>
#include <string.h>

#include "report.h"

/* Where a help text puts an option's description. */
#define HELP_COLUMN 25
#define DESCRIPTION_MAX 72
#define MAX_FORMATS 32

/* What an option's value is, for completing it. */
enum value_kind { VALUE_NONE, VALUE_TEXT, VALUE_PID, VALUE_FORMAT, VALUE_FILE };

static enum value_kind value_kind(const struct option *opt)
{
	static const char *const files[] = { "output", "json", "markdown", "heatmap" };

	if (opt->has_arg == no_argument)
		return VALUE_NONE;
	if (strcmp(opt->name, "pid") == 0)
		return VALUE_PID;
	if (strcmp(opt->name, "format") == 0)
		return VALUE_FORMAT;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcmp(opt->name, files[i]) == 0)
			return VALUE_FILE;
	return VALUE_TEXT;
}

/* The option's letter, when the command takes one for it, else 0. */
static char short_letter(const struct command_options *cmd, const struct option *opt)
{
	const char *at;

	if (opt->val <= 0 || opt->val > 127 || !isalpha(opt->val))
		return 0;
	at = strchr(cmd->shorts, opt->val);
	return at ? (char)opt->val : 0;
}

/* Keep words and plain punctuation: nothing a shell would read inside
 * quotes or zsh inside brackets (an apostrophe is escaped on output). */
static void keep_plain(char *text)
{
	char *to = text;

	for (const char *from = text; *from; from++)
		if (isalnum((unsigned char)*from) || strchr(" ,.-()/%+=<>;:!?'", *from))
			*to++ = *from;
	*to = '\0';
}

/* A description inside single quotes: an apostrophe as the shell takes it
 * there ("'\\''" in zsh, "\\'" in fish). */
static void print_quoted(const char *text, const char *apostrophe, FILE *out)
{
	for (; *text; text++)
		if (*text == '\'')
			fputs(apostrophe, out);
		else
			fputc(*text, out);
}

/*
 * A description of at most DESCRIPTION_MAX characters, cut at a word,
 * from a help line's text and its continuation lines (those indented to
 * the column).
 */
static void take_description(const char *from, char *out, size_t size)
{
	size_t used = 0;

	while (*from && used + 1 < size && used < DESCRIPTION_MAX) {
		if (*from == '\n') {
			size_t indent = strspn(from + 1, " ");

			if (indent < HELP_COLUMN || from[1 + indent] == '-')
				break;
			from += 1 + indent;
			out[used++] = ' ';
			continue;
		}
		out[used++] = *from++;
	}
	out[used] = '\0';
	/* The first clause is enough; else cut at a word. */
	if (strstr(out, "; "))
		*strstr(out, "; ") = '\0';
	else if (*from && *from != '\n' && used >= DESCRIPTION_MAX && strrchr(out, ' '))
		*strrchr(out, ' ') = '\0';
	keep_plain(out);
}

/* The line after line in a help text ("" at its end). */
static const char *next_line(const char *line)
{
	const char *end = strchr(line, '\n');

	return end ? end + 1 : line + strlen(line);
}

/* The help's description of --name for a command, or "". */
static void describe_option(enum command command, const char *name, char *out, size_t size)
{
	const char *help = options_help_text(command), *line;
	size_t len = strlen(name);

	out[0] = '\0';
	for (line = help; *line; line = next_line(line)) {
		const char *at = line + strspn(line, " ");

		if (at[0] == '-' && at[1] != '-' && at[1] && at[2] == ',')
			at += 3 + strspn(at + 3, " ");
		if (strncmp(at, "--", 2) || strncmp(at + 2, name, len) ||
		    (at[2 + len] != ' ' && at[2 + len] != '\n'))
			continue;
		if (strcspn(line, "\n") > HELP_COLUMN)
			take_description(line + HELP_COLUMN, out, size);
		return;
	}
}

/* The overall help's description of a command, or "". */
static void describe_command(const char *name, char *out, size_t size)
{
	const char *help = options_help_text(COMMAND_NONE), *line;
	size_t len = strlen(name);

	out[0] = '\0';
	for (line = help; *line; line = next_line(line)) {
		if (strncmp(line, "  ", 2) || strncmp(line + 2, name, len) || line[2 + len] != ' ')
			continue;
		take_description(line + 2 + len + strspn(line + 2 + len, " "), out, size);
		return;
	}
}

static void print_formats(enum command command, const char *separator, FILE *out)
{
	const char *names[MAX_FORMATS];
	size_t n = options_format_names(command, names, MAX_FORMATS);

	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? separator : "", names[i]);
}

/* Each command's operands: what is offered where no option is. */
enum operands { OPERANDS_NONE, OPERANDS_COMMAND, OPERANDS_FILES, OPERANDS_SHELLS };

static enum operands operands_of(enum command command)
{
	switch (command) {
	case COMMAND_RECORD:
	case COMMAND_TOP:
		return OPERANDS_COMMAND;
	case COMMAND_RENDER:
	case COMMAND_INFO:
	case COMMAND_CHECK:
	case COMMAND_DIFF:
		return OPERANDS_FILES;
	case COMMAND_COMPLETIONS:
		return OPERANDS_SHELLS;
	case COMMAND_DUMP:
	case COMMAND_NONE:
		break;
	}
	return OPERANDS_NONE;
}

/* Python processes, one "PID<sep>COMMAND LINE" a line (a shell snippet). */
#define LIST_PYTHONS(sep) \
	"ps -eo pid=,args= 2>/dev/null | awk '/[p]ython/ { pid = $1; $1 = \"\"; " \
	"print pid \"" sep "\" substr($0, 2, 60) }'"

/* --- bash --- */

static void bash_value_cases(const struct command_options *cmd, FILE *out)
{
	for (const struct option *opt = cmd->longs; opt->name; opt++) {
		enum value_kind kind = value_kind(opt);
		char letter = short_letter(cmd, opt);

		if (kind == VALUE_NONE)
			continue;
		fprintf(out, "\t\"%s --%s\"", cmd->name, opt->name);
		if (letter)
			fprintf(out, "|\"%s -%c\"", cmd->name, letter);
		fputs(")\n\t\t", out);
		if (kind == VALUE_PID) {
			fputs("COMPREPLY=($(compgen -W \"$(_peekpy_pids)\" -- \"$cur\"))", out);
		} else if (kind == VALUE_FORMAT) {
			fputs("COMPREPLY=($(compgen -W \"", out);
			print_formats(cmd->command, " ", out);
			fputs("\" -- \"$cur\"))", out);
		} else if (kind == VALUE_FILE) {
			fputs("_peekpy_files", out);
		} else {
			fputs(":", out);
		}
		fputs("\n\t\treturn;;\n", out);
	}
}

static void bash_option_words(const struct command_options *cmd, FILE *out)
{
	const char *sep = "";

	for (const struct option *opt = cmd->longs; opt->name; opt++) {
		char letter = short_letter(cmd, opt);

		if (letter)
			fprintf(out, "%s-%c", sep, letter);
		fprintf(out, "%s--%s", letter ? " " : sep, opt->name);
		sep = " ";
	}
}

static void write_bash(FILE *out)
{
	size_t n;
	const struct command_options *commands = options_commands(&n);

	fputs("# bash completion for peekpy: peekpy completions bash\n"
	      "_peekpy_pids()\n{\n"
	      "\tps -eo pid=,args= 2>/dev/null | awk '/[p]ython/ { print $1 }'\n}\n\n"
	      "_peekpy_files()\n{\n"
	      "\tcompopt -o filenames 2>/dev/null\n"
	      "\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n}\n\n"
	      "_peekpy()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tlocal cmd=${COMP_WORDS[1]} i\n"
	      "\tCOMPREPLY=()\n"
	      "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"",
	      out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s ", commands[i].name);
	fputs("--help --version\" -- \"$cur\"))\n\t\treturn\n\tfi\n", out);
	/* After "--", a command line of its own. */
	fputs("\tcase $cmd in\n\t", out);
	for (size_t i = 0, first = 1; i < n; i++)
		if (operands_of(commands[i].command) == OPERANDS_COMMAND) {
			fprintf(out, "%s%s", first ? "" : "|", commands[i].name);
			first = 0;
		}
	fputs(")\n"
	      "\t\tfor ((i = 2; i < COMP_CWORD; i++)); do\n"
	      "\t\t\t[ \"${COMP_WORDS[i]}\" = -- ] || continue\n"
	      "\t\t\tif declare -F _command_offset >/dev/null; then\n"
	      "\t\t\t\t_command_offset $((i + 1))\n"
	      "\t\t\telif [ $((i + 1)) -eq \"$COMP_CWORD\" ]; then\n"
	      "\t\t\t\tCOMPREPLY=($(compgen -c -- \"$cur\"))\n"
	      "\t\t\telse\n"
	      "\t\t\t\t_peekpy_files\n"
	      "\t\t\tfi\n"
	      "\t\t\treturn\n"
	      "\t\tdone;;\n"
	      "\tesac\n",
	      out);
	fputs("\tcase \"$cmd $prev\" in\n", out);
	for (size_t i = 0; i < n; i++)
		bash_value_cases(&commands[i], out);
	fputs("\tesac\n\tcase $cur in\n\t-*)\n\t\tcase $cmd in\n", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "\t\t%s) COMPREPLY=($(compgen -W \"", commands[i].name);
		bash_option_words(&commands[i], out);
		fputs("\" -- \"$cur\"));;\n", out);
	}
	fputs("\t\tesac\n\t\treturn;;\n\tesac\n\tcase $cmd in\n", out);
	for (size_t i = 0; i < n; i++) {
		enum operands operands = operands_of(commands[i].command);

		if (operands == OPERANDS_FILES)
			fprintf(out, "\t%s) _peekpy_files;;\n", commands[i].name);
		else if (operands == OPERANDS_SHELLS)
			fprintf(out, "\t%s) COMPREPLY=($(compgen -W \"bash zsh fish\" -- \"$cur\"));;\n",
				commands[i].name);
	}
	fputs("\tesac\n}\ncomplete -F _peekpy peekpy\n", out);
}

/* --- zsh --- */

static void zsh_option(const struct command_options *cmd, const struct option *opt, FILE *out)
{
	enum value_kind kind = value_kind(opt);
	char letter = short_letter(cmd, opt), description[DESCRIPTION_MAX + 1];

	describe_option(cmd->command, opt->name, description, sizeof(description));
	fputs(" \\\n\t\t", out);
	if (letter)
		fprintf(out, "'(-%c --%s)'{-%c,--%s}'", letter, opt->name, letter, opt->name);
	else
		fprintf(out, "'--%s", opt->name);
	fputs("[", out);
	print_quoted(description, "'\\''", out);
	fputs("]", out);
	if (kind == VALUE_PID) {
		fputs(":pid:_peekpy_pids", out);
	} else if (kind == VALUE_FORMAT) {
		fputs(":format:(", out);
		print_formats(cmd->command, " ", out);
		fputs(")", out);
	} else if (kind == VALUE_FILE) {
		fputs(":file:_files", out);
	} else if (kind == VALUE_TEXT) {
		fprintf(out, ":%s: ", opt->name);
	}
	fputs("'", out);
}

static void write_zsh(FILE *out)
{
	size_t n;
	const struct command_options *commands = options_commands(&n);
	char description[DESCRIPTION_MAX + 1];

	fputs("#compdef peekpy\n"
	      "# zsh completion for peekpy: peekpy completions zsh\n\n"
	      "_peekpy_pids() {\n"
	      "\tlocal -a procs\n"
	      "\tprocs=(${(f)\"$(" LIST_PYTHONS(":") ")\"})\n"
	      "\t_describe -t pids 'Python process' procs\n"
	      "}\n\n"
	      "_peekpy() {\n"
	      "\tlocal -a commands\n"
	      "\tcommands=(\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		describe_command(commands[i].name, description, sizeof(description));
		fprintf(out, "\t\t'%s:", commands[i].name);
		print_quoted(description, "'\\''", out);
		fputs("'\n", out);
	}
	fputs("\t)\n"
	      "\tif (( CURRENT == 2 )); then\n"
	      "\t\tif [[ $PREFIX == -* ]]; then\n"
	      "\t\t\tcompadd -- --help --version\n"
	      "\t\telse\n"
	      "\t\t\t_describe -t commands 'peekpy command' commands\n"
	      "\t\tfi\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tlocal cmd=$words[2]\n"
	      "\tshift words\n"
	      "\t(( CURRENT-- ))\n"
	      "\tcase $cmd in\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		enum operands operands = operands_of(commands[i].command);

		fprintf(out, "\t%s)\n\t\t_arguments -s -S", commands[i].name);
		for (const struct option *opt = commands[i].longs; opt->name; opt++)
			zsh_option(&commands[i], opt, out);
		if (operands == OPERANDS_COMMAND)
			fputs(" \\\n\t\t'*::command:_normal'", out);
		else if (operands == OPERANDS_FILES)
			fputs(" \\\n\t\t'*:file:_files'", out);
		else if (operands == OPERANDS_SHELLS)
			fputs(" \\\n\t\t'1:shell:(bash zsh fish)'", out);
		fputs(";;\n", out);
	}
	fputs("\tesac\n}\n\n_peekpy \"$@\"\n", out);
}

/* --- fish --- */

static void fish_option(const struct command_options *cmd, const struct option *opt, FILE *out)
{
	enum value_kind kind = value_kind(opt);
	char letter = short_letter(cmd, opt), description[DESCRIPTION_MAX + 1];

	describe_option(cmd->command, opt->name, description, sizeof(description));
	fprintf(out, "complete -c peekpy -n '__peekpy_in %s' -l %s", cmd->name, opt->name);
	if (letter)
		fprintf(out, " -s %c", letter);
	if (kind == VALUE_PID) {
		fputs(" -x -a '(__peekpy_pids)'", out);
	} else if (kind == VALUE_FORMAT) {
		/* fish shows the description beside each value: name it. */
		fputs(" -x -a '", out);
		print_formats(cmd->command, " ", out);
		fputs("'", out);
		strcpy(description, "format");
	} else if (kind == VALUE_FILE) {
		fputs(" -r -F", out);
	} else if (kind == VALUE_TEXT) {
		fputs(" -x", out);
	}
	fputs(" -d '", out);
	print_quoted(description, "\\'", out);
	fputs("'\n", out);
}

static void write_fish(FILE *out)
{
	size_t n;
	const struct command_options *commands = options_commands(&n);
	char description[DESCRIPTION_MAX + 1];

	fputs("# fish completion for peekpy: peekpy completions fish\n"
	      "function __peekpy_pids\n"
	      "\t" LIST_PYTHONS("\\t") "\n"
	      "end\n\n"
	      "# The command is $argv[1] and no '--' came yet (after it, a command line).\n"
	      "function __peekpy_in\n"
	      "\tset -l tokens (commandline -opc)\n"
	      "\ttest (count $tokens) -ge 2; and test \"$tokens[2]\" = $argv[1]; or return 1\n"
	      "\tnot contains -- -- $tokens\n"
	      "end\n\n"
	      "function __peekpy_after_dashdash\n"
	      "\tset -l tokens (commandline -opc)\n"
	      "\ttest (count $tokens) -ge 2; and contains -- $tokens[2] record top; or return 1\n"
	      "\tcontains -- -- $tokens\n"
	      "end\n\n"
	      "function __peekpy_command_line\n"
	      "\tset -l tokens (commandline -opc)\n"
	      "\tset -l at (contains -i -- -- $tokens)\n"
	      "\tcomplete -C (string join ' ' -- $tokens[(math $at + 1)..-1] (commandline -ct))\n"
	      "end\n\n"
	      "complete -c peekpy -f\n"
	      "complete -c peekpy -n __fish_use_subcommand -l help -d 'the commands and how to use them'\n"
	      "complete -c peekpy -n __fish_use_subcommand -l version -d 'print the version'\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		describe_command(commands[i].name, description, sizeof(description));
		fprintf(out, "complete -c peekpy -n __fish_use_subcommand -a %s -d '", commands[i].name);
		print_quoted(description, "\\'", out);
		fputs("'\n", out);
	}
	for (size_t i = 0; i < n; i++) {
		enum operands operands = operands_of(commands[i].command);

		fputs("\n", out);
		for (const struct option *opt = commands[i].longs; opt->name; opt++)
			fish_option(&commands[i], opt, out);
		if (operands == OPERANDS_FILES)
			fprintf(out, "complete -c peekpy -n '__peekpy_in %s' -F\n", commands[i].name);
		else if (operands == OPERANDS_SHELLS)
			fprintf(out, "complete -c peekpy -n '__peekpy_in %s' -x -a 'bash zsh fish'\n",
				commands[i].name);
	}
	fputs("\ncomplete -c peekpy -n __peekpy_after_dashdash -x -a '(__peekpy_command_line)'\n",
	      out);
}

int completions_write(const char *shell, FILE *out)
{
	if (strcmp(shell, "bash") == 0)
		write_bash(out);
	else if (strcmp(shell, "zsh") == 0)
		write_zsh(out);
	else if (strcmp(shell, "fish") == 0)
		write_fish(out);
	else
		return -1;
	return 0;
}

int completions_run(const struct options *options)
{
	if (completions_write(options->shell, stdout) != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		report("cannot write the %s completions to standard output", options->shell);
		return 1;
	}
	return 0;
}
