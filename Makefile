# p2psipd - one non-recursive Makefile, building out of tree into $(BUILD).
#
#   make            build p2psipd and p2psipctl
#   make run        install what is missing, build, run a node in the foreground
#   make test       install what is missing, build, run every test
#   make asan       the same tests built with AddressSanitizer + UBSan
#   make install    PREFIX=/usr/local DESTDIR=
#
# "make run" and "make test" call scripts/install-deps.sh first (quick when
# nothing is missing) and then re-enter make, so pkg-config is only asked
# once the packages are there.

BUILD		?= build
PREFIX		?= /usr/local
SYSCONFDIR	?= /etc
DESTDIR		?=
CC		?= cc
FUZZCC		?= clang
FUZZ_SECONDS	?= 10

PKGS		= libevent libevent_openssl openssl libsrtp2 sqlite3 jansson \
		  inih zlib libcares

WARN		= -Wall -Wextra -Werror -Wformat=2 -Wshadow \
		  -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings \
		  -Wpointer-arith -Wundef
CSTD		= -std=c11 -D_POSIX_C_SOURCE=200809L
OPT		?= -O2 -g
ifeq ($(SAN),1)
OPT		= -O1 -g -fno-omit-frame-pointer \
		  -fsanitize=address,undefined -fno-sanitize-recover=all
endif

# "make V=1" shows the commands.
ifeq ($(V),1)
Q		=
else
Q		= @
endif

# With valgrind's header, the slabs (common/slab.h) step aside under it.
HAVE_VALGRIND	= $(if $(wildcard /usr/include/valgrind/valgrind.h),-DHAVE_VALGRIND_H)
ALL_CFLAGS	= $(CSTD) $(OPT) $(WARN) $(INCS) $(HAVE_VALGRIND) \
		  $(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
LDLIBS		= $(shell pkg-config --libs $(PKGS))
ALL_LDFLAGS	= $(OPT) -Wl,--as-needed $(LDFLAGS)
CHECK_LIBS	= $(shell pkg-config --libs check)

# The layers, bottom up (DESIGN.md: arrows point down).  A layer is a
# folder and a library, lib<layer>.a, of every .c file in it but the
# programs' mains, so a new file needs no edit here.  SEES is what a
# layer stands on, itself first, in link order: its files compile with
# only those folders on the include path and its programs link only
# those libraries, so a header or a symbol from any other layer is an
# error.  check-deps proves the same from the text.
LAYERS		= common ov nat media loc sip d sim
DIR.common	= common
DIR.ov		= overlay
DIR.nat		= nat
DIR.media	= media
DIR.loc		= loc
DIR.sip		= sip
DIR.d		= daemon
DIR.sim		= tests/sim
SEES.common	= common
SEES.ov		= ov common
SEES.nat	= nat common
SEES.media	= media common
SEES.loc	= loc ov common
SEES.sip	= sip media nat common
SEES.d		= d loc sip media nat ov common
SEES.sim	= sim loc ov common
# The protocol cores: sans-I/O (STYLE.md §3), checked by check-deps.
CORES		= ov sip nat media loc

# The unit suites, fuzz targets and tools: name (% matches anything;
# the first row that matches counts) and the layers each may include
# and link, in link order.  check_ov_cert, _data and _node make their
# certificates with the daemon's identity code and store.
TESTS		= check_main: \
		  check_ov_cert:d,loc,ov,common check_ov_data:d,loc,ov,common \
		  check_ov_node:d,loc,ov,common check_ov_%:ov,common \
		  check_loc:sim,loc,ov,common check_loc%:loc,ov,common check_sim%:sim,loc,ov,common \
		  check_sip_%:sip,media,nat,common \
		  check_ua:sip,media,nat,common check_stun:nat,common check_nat:nat,common check_turn:nat,common check_ice:nat,common \
		  check_media:media,common check_sdp:media,common \
		  check_strmap:common check_slab:common check_cfg:d,common \
		  check_ctl_proto:d,common check_db:d,common \
		  check_identity:d,loc,ov,common \
		  check_ctl_spec:d,loc,sip,media,nat,ov,common \
		  fuzz_cfg:d,common fuzz_ctl:d,common fuzz_ovmsg:ov,common \
		  fuzz_sipmsg:sip,media,nat,common fuzz_resolve:sip,media,nat,common \
		  fuzz_stun:nat,common \
		  fuzz_media:media,common fuzz_sdp:media,common \
		  ovpoke:d,loc,ov,common ctlbatch:d,common tone: turnc:nat,common

MAINS		= daemon/main.c daemon/p2psipctl.c tests/sim/sim_main.c
$(foreach l,$(LAYERS),$(eval SRCS.$(l) = \
    $(filter-out $(MAINS),$(wildcard $(DIR.$(l))/*.c))))
UNIT_SRCS	= $(filter-out tests/unit/check_main.c, \
		    $(wildcard tests/unit/check_*.c))
FUZZ_SRCS	= $(wildcard tests/fuzz/fuzz_*.c)
TOOLS		= ovpoke ctlbatch tone turnc

obj		= $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
fuzzobj		= $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(1))
# Each library's objects, by the library's path under $(BUILD) without
# .a: libov and, rebuilt for the fuzz targets, fuzz/libov.
$(foreach l,$(LAYERS),$(eval OBJS.lib$(l) = $(call obj,$(SRCS.$(l)))) \
    $(eval OBJS.fuzz/lib$(l) = $(call fuzzobj,$(SRCS.$(l)))))
UNIT_BINS	= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_BINS	= $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
TOOL_BINS	= $(addprefix $(BUILD)/,$(TOOLS))
CHECK_MAIN	= $(call obj,tests/unit/check_main.c)

comma		:= ,
# entry NAME: NAME's row of TESTS; row NAME: its layers.
entry		= $(firstword $(foreach e,$(TESTS), \
		    $(if $(filter $(firstword $(subst :, ,$(e))),$(1)),$(e))))
row		= $(subst $(comma), ,$(word 2,$(subst :, ,$(call entry,$(1)))))
# The layer a source file belongs to, by its folder.
layer_of	= $(firstword $(foreach l,$(LAYERS), \
		    $(if $(filter $(DIR.$(l))/,$(dir $(1))),$(l))))
# The layers a source file may see: its layer's, else its row of TESTS.
sees		= $(if $(call layer_of,$(1)),$(SEES.$(call layer_of,$(1))), \
		    $(if $(call entry,$(basename $(notdir $(1)))), \
		    $(call row,$(basename $(notdir $(1)))), \
		    $(error $(1): no row in TESTS (the layers it may see))))
dirs		= $(strip $(foreach l,$(1),$(DIR.$(l))))
incs		= $(addprefix -I,$(call dirs,$(1)))
# The libraries of layers $(1) under $(2) ($(BUILD) or $(BUILD)/fuzz),
# but a layer with no file yet.
libs		= $(foreach l,$(1),$(if $(SRCS.$(l)),$(2)/lib$(l).a))
# Every object's include path: the folders its source file may see.
INCS		= $(call incs,$(call sees,$<))

.PHONY: all deps run demo test test-run check unit fuzz fuzz-smoke systest \
	asan asan-run lint check-deps install uninstall clean

all: $(BUILD)/p2psipd $(BUILD)/p2psipctl $(BUILD)/ovsim $(TOOL_BINS)

deps:
	@sh scripts/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@echo "p2psipd: running on built-in defaults; stop with Ctrl-C."
	@echo "         in another terminal: $(BUILD)/p2psipctl status"
	exec $(BUILD)/p2psipd -f

# Three daemons on loopback, alice calls bob with a tone, a message;
# every step printed (scripts/demo.sh), everything removed after.
demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bash scripts/demo.sh

test: deps
	@$(MAKE) --no-print-directory test-run

test-run: all unit fuzz check-deps
	@sh tests/run.sh $(BUILD) all $(FUZZ_SECONDS)

asan: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 asan-run

asan-run: all unit
	@CK_FORK=no ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh tests/run.sh $(BUILD) unit,system

check: all unit
	@sh tests/run.sh $(BUILD) unit

systest: all
	@sh tests/run.sh $(BUILD) system

fuzz-smoke: fuzz
	@sh tests/run.sh $(BUILD) fuzz $(FUZZ_SECONDS)

.SECONDARY:
.SECONDEXPANSION:

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Every library, the fuzz targets' too.
$(BUILD)/%.a: $$(OBJS.$$*)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(BUILD)/p2psipd: $(call obj,daemon/main.c) $(call libs,$(SEES.d),$(BUILD))
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/p2psipctl: $(call obj,daemon/p2psipctl.c) \
		$(call libs,$(SEES.d),$(BUILD))
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# The overlay simulator (tests/sim) as a command; check_sim runs it too.
$(BUILD)/ovsim: $(call obj,tests/sim/sim_main.c) \
		$(call libs,$(SEES.sim),$(BUILD))
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lm

# The system tests' tools (tests/tools): a scripted RELOAD peer
# (ovpoke), pipelined control requests to many daemons (ctlbatch),
# WAV tones made for the phones and found in their recordings (tone),
# a TURN allocation on real sockets (turnc).
$(TOOL_BINS): $(BUILD)/%: $(BUILD)/obj/tests/tools/%.o \
		$$(call libs,$$(call row,$$*),$(BUILD))
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lm

# Unit tests: each suite links check_main.c (its main) and the
# libraries of its row of TESTS, nothing else.
unit: $(UNIT_BINS)

$(UNIT_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(CHECK_MAIN) \
		$$(call libs,$$(call row,$$*),$(BUILD))
	$(if $(call entry,$*),,$(error $*: no row in TESTS))
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS) -lm

# libFuzzer targets: the libraries of their rows of TESTS rebuilt with
# clang and the sanitizers.
FUZZ_SAN	= address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS	= $(CSTD) -g -O1 -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
		  $(INCS) $(shell pkg-config --cflags $(PKGS))

fuzz: $(FUZZ_BINS)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BINS): $(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/tests/fuzz/%.o \
		$$(call libs,$$(call row,$$*),$(BUILD)/fuzz)
	$(if $(call entry,$*),,$(error $*: no row in TESTS))
	@echo "  FUZZ    $@"
	$(Q)$(FUZZCC) -g -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $^ $(LDLIBS)

# What check-deps proves, and prints: the cores call no socket, clock,
# random source or name lookup of their own and include no libevent or
# sqlite; and every #include "..." of a layer's files names, without a
# path, a header of a folder the layer sees (SEES).
CORE_DIRS	= $(wildcard $(call dirs,$(CORES)))
NO_CALLS	= send recv sendto recvfrom socket bind connect listen accept \
		  time gettimeofday clock_gettime rand srand random getrandom \
		  RAND_bytes RAND_priv_bytes getaddrinfo
NO_INCLUDES	= event2/ sqlite3.h
space		:= $(subst ,, )
lparen		:= (
commas		= $(subst $(space),$(comma),$(strip $(1)))
bars		= $(subst $(space),|,$(strip $(1)))
LAYER_ROWS	= $(foreach l,$(LAYERS), \
		    $(DIR.$(l)):$(call commas,$(call dirs,$(SEES.$(l)))))
NO_CALLS_RE	= (^|[^_a-zA-Z0-9])($(call bars,$(NO_CALLS)))\(
NO_INCLUDES_RE	= \#include <($(call bars,$(subst .,\.,$(NO_INCLUDES))))

check-deps:
	@if [ -n "$(CORE_DIRS)" ] && grep -snE \
	    '$(NO_INCLUDES_RE)|$(NO_CALLS_RE)' \
	    $(addsuffix /*.[ch],$(CORE_DIRS)); then \
	    echo "check-deps: I/O in a protocol core (above)"; exit 1; fi
	@echo "check-deps: the cores ($(CORE_DIRS)) call none of" \
	    "$(addsuffix $(lparen),$(NO_CALLS)) and include no" \
	    "$(addprefix <,$(addsuffix >,$(patsubst %/,%/...,$(NO_INCLUDES))))"
	@for row in $(LAYER_ROWS); do \
	    dir=$${row%%:*}; sees=$$(echo "$${row#*:}" | tr , ' '); \
	    for f in $$dir/*.[ch]; do [ -e "$$f" ] || continue; \
	    sed -n 's/^# *include *"\(.*\)".*/\1/p' "$$f" | \
	    while read -r h; do ok=; \
	    case $$h in */*) ;; *) for d in $$sees; do \
	    [ -e "$$d/$$h" ] && ok=1; done ;; esac; \
	    [ -n "$$ok" ] || echo "$$f: #include \"$$h\" (sees $$sees)"; \
	    done; done; done | awk '{ print } END { if (NR) { print \
	    "check-deps: includes outside their layers (above)"; exit 1 } }'
	@echo "check-deps: each layer's #include \"...\" name headers (no" \
	    "path) of the folders it sees, no others:"
	@for row in $(LAYER_ROWS); do echo "    $${row%%:*}:" \
	    "$$(echo "$${row#*:}" | tr , ' ')"; done

lint: check-deps
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning \
	    --inline-suppr --include=/usr/include/x86_64-linux-gnu/sys/queue.h \
	    $(call incs,$(LAYERS)) \
	    $(wildcard $(call dirs,$(LAYERS))) tests/tools

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/doc/p2psipd \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 755 $(BUILD)/p2psipd $(DESTDIR)$(PREFIX)/sbin/p2psipd
	install -m 755 $(BUILD)/p2psipctl $(DESTDIR)$(PREFIX)/bin/p2psipctl
	install -m 644 man/p2psipd.8 man/p2psipctl.8 \
	    $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 man/p2psipd.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 conf/p2psipd.conf README.md \
	    $(DESTDIR)$(PREFIX)/share/doc/p2psipd/
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' \
	    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' conf/p2psipd.service \
	    > $(DESTDIR)$(PREFIX)/lib/systemd/system/p2psipd.service
	chmod 644 $(DESTDIR)$(PREFIX)/lib/systemd/system/p2psipd.service
	@# The example (all defaults) becomes the config, never over an edit.
	install -d $(DESTDIR)$(SYSCONFDIR)/p2psipd
	[ -e $(DESTDIR)$(SYSCONFDIR)/p2psipd/p2psipd.conf ] || install -m 644 \
	    conf/p2psipd.conf $(DESTDIR)$(SYSCONFDIR)/p2psipd/p2psipd.conf

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/p2psipd \
	    $(DESTDIR)$(PREFIX)/bin/p2psipctl \
	    $(DESTDIR)$(PREFIX)/share/man/man8/p2psipd.8 \
	    $(DESTDIR)$(PREFIX)/share/man/man8/p2psipctl.8 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/p2psipd.conf.5 \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system/p2psipd.service
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/p2psipd

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/fuzz/obj -name '*.d' \
    2>/dev/null)
