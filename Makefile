# peekpy - one Makefile for the whole tree.
#
#   make            build ./peekpy
#   make demo       profile examples/busy.py, write the flame graph demo.svg
#   make test       unit tests, then integration tests against every CPython here
#   make bench      sampling cost and rate against austin, on the same target
#   make install    copy peekpy to $(PREFIX)/bin, its manual page and its
#                   bash, zsh and fish completions
#   make SANITIZE=1 test    the same with AddressSanitizer and UBSan
#   make fuzz       fuzz the file readers (FUZZ_SECONDS each, default 600)
#
# Missing Debian packages are installed first (scripts/deps.sh) when run as root.

VERSION := 0.1.0
PREFIX ?= /usr/local
CC ?= gcc

WARNINGS := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wvla \
	-Wwrite-strings -Wshadow -Wformat=2 -fno-common
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -DPEEKPY_VERSION='"$(VERSION)"' -MMD -MP
LDLIBS := -ldw -lelf -lz -lm

# Quiet by default; make V=1 shows every command.
ifeq ($(V),1)
Q :=
else
Q := @
endif

ifeq ($(SANITIZE),1)
BUILD := build/sanitize
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
else
BUILD := build/release
endif
# The fuzzers' build (clang): every object instrumented for coverage.
ifeq ($(FUZZING),1)
ALL_CFLAGS += -fsanitize=fuzzer-no-link
endif

BASE_SRC := $(wildcard base/*.c)
READERS_SRC := $(wildcard readers/*.c)
OUTPUT_SRC := $(wildcard output/*.c)
PROFILER_SRC := $(filter-out profiler/main.c,$(wildcard profiler/*.c))
LIB_SRC := $(BASE_SRC) $(READERS_SRC) $(OUTPUT_SRC) $(PROFILER_SRC)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

PEEKPY := $(BUILD)/peekpy

FUZZERS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 600

.PHONY: all deps demo test unit unit-clang integration targets targets-full bench install clean layouts \
	check-layouts fuzz fuzz-short fuzzers

all: peekpy

deps: build/.deps-ok
build/.deps-ok: scripts/deps.sh
	@scripts/deps.sh build
	@mkdir -p build && touch $@

peekpy: $(PEEKPY)
	@cp $(PEEKPY) peekpy

$(PEEKPY): $(LIB_OBJ) $(BUILD)/profiler/main.o | build/.deps-ok
	@echo "  LINK $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c | build/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  CC   $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The flame graph's script and style, as C strings.
$(BUILD)/gen/flamegraph_assets.h: output/flamegraph.css output/flamegraph.js scripts/embed.sh
	@mkdir -p $(dir $@)
	@echo "  GEN  $@"
	$(Q)scripts/embed.sh flamegraph_css output/flamegraph.css flamegraph_js output/flamegraph.js > $@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/output/flamegraph.o: $(BUILD)/gen/flamegraph_assets.h
$(BUILD)/output/flamegraph.o: ALL_CFLAGS += -I$(BUILD)/gen

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

demo: peekpy
	@scripts/deps.sh demo
	./peekpy record -r 200 -o demo.svg -- python3 examples/busy.py
	@echo "peekpy: demo.svg is the flame graph of examples/busy.py (open it in a browser)"

unit: $(UNIT_BIN)
	@scripts/run-unit-tests.sh $(UNIT_BIN)

# The unit tests again, built by clang with its AddressSanitizer and UBSan
# (they find what gcc's do not, e.g. arithmetic on a null pointer).
unit-clang:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory CC=clang SANITIZE=1 BUILD=build/clang unit

# libFuzzer over the two file readers (recordings, collapsed stacks), from
# the seeds and past findings in tests/data/fuzz/.  make test runs each for
# a few seconds; make fuzz for FUZZ_SECONDS.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  FUZZ $@"
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

fuzzers: $(FUZZERS:%=$(BUILD)/fuzz/%)

fuzz:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory CC=clang SANITIZE=1 FUZZING=1 BUILD=build/fuzz fuzzers
	@scripts/run-fuzzers.sh build/fuzz/fuzz $(FUZZ_SECONDS) $(FUZZERS)

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

targets:
	@scripts/deps.sh test
	@scripts/targets.sh

# The free-threaded builds too (3.13t, 3.14t, 3.15t from Debian's source
# packages, about 10 minutes each the first time); `make test` then runs them.
targets-full:
	@scripts/deps.sh test
	@scripts/targets.sh --full

integration: $(PEEKPY) targets
	PEEKPY_TEST_SANITIZE=$(SANITIZE) python3 tests/integration/run.py --peekpy $(abspath $(PEEKPY))

test: check-layouts unit unit-clang fuzz-short integration

layouts:
	python3 scripts/gen-layouts.py table

check-layouts:
	@scripts/deps.sh test
	@python3 scripts/gen-layouts.py check

# A measurement behind --native's design (docs/design.md, "Native stacks").
PERFMERGE := $(BUILD)/bench/perfmerge
$(PERFMERGE): bench/perfmerge.c $(LIB_OBJ) | build/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  LINK $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

# The cost of waking up alone, a baseline beside peekpy's.
WAKER := $(BUILD)/bench/waker
$(WAKER): bench/waker.c | build/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  LINK $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

bench: $(PEEKPY) $(PERFMERGE) $(WAKER)
	@scripts/deps.sh bench
	python3 bench/run.py --peekpy $(abspath $(PEEKPY)) --perfmerge $(abspath $(PERFMERGE)) \
		--waker $(abspath $(WAKER))

# The completion scripts go where each shell looks under PREFIX
# (bash-completion and fish through XDG_DATA_DIRS, zsh through its fpath).
COMPLETIONS := $(DESTDIR)$(PREFIX)/share
install: peekpy
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(COMPLETIONS)/bash-completion/completions $(COMPLETIONS)/zsh/site-functions \
		$(COMPLETIONS)/fish/vendor_completions.d
	install -m 755 peekpy $(DESTDIR)$(PREFIX)/bin/peekpy
	install -m 644 docs/peekpy.1 $(DESTDIR)$(PREFIX)/share/man/man1/peekpy.1
	./peekpy completions bash > $(COMPLETIONS)/bash-completion/completions/peekpy
	./peekpy completions zsh > $(COMPLETIONS)/zsh/site-functions/_peekpy
	./peekpy completions fish > $(COMPLETIONS)/fish/vendor_completions.d/peekpy.fish

clean:
	rm -rf build peekpy demo.svg

-include $(LIB_OBJ:.o=.d) $(BUILD)/profiler/main.d
