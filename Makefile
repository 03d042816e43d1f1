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
		  inih zlib

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

INCS		= -Icommon -Ioverlay -Iloc -Isip -Imedia -Inat -Idaemon -Itests/sim
ALL_CFLAGS	= $(CSTD) $(OPT) $(WARN) $(INCS) \
		  $(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
LDLIBS		= $(shell pkg-config --libs $(PKGS))
ALL_LDFLAGS	= $(OPT) -Wl,--as-needed $(LDFLAGS)
CHECK_LIBS	= $(shell pkg-config --libs check)

# Each layer's library is every .c file of its folder (the daemon's but
# its two programs), so a new file needs no edit here.
COMMON_SRCS	= $(wildcard common/*.c)
OV_SRCS		= $(wildcard overlay/*.c)
SIP_SRCS	= $(wildcard sip/*.c)
MEDIA_SRCS	= $(wildcard media/*.c)
NAT_SRCS	= $(wildcard nat/*.c)
LOC_SRCS	= $(wildcard loc/*.c)
D_SRCS		= $(filter-out daemon/main.c daemon/p2psipctl.c, \
		    $(wildcard daemon/*.c))
UNIT_SRCS	= $(wildcard tests/unit/check_*.c)
FUZZ_SRCS	= $(wildcard tests/fuzz/fuzz_*.c)

obj		= $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
COMMON_OBJS	= $(call obj,$(COMMON_SRCS))
OV_OBJS		= $(call obj,$(OV_SRCS))
SIP_OBJS	= $(call obj,$(SIP_SRCS))
MEDIA_OBJS	= $(call obj,$(MEDIA_SRCS))
NAT_OBJS	= $(call obj,$(NAT_SRCS))
LOC_OBJS	= $(call obj,$(LOC_SRCS))
D_OBJS		= $(call obj,$(D_SRCS))
LIBCOMMON	= $(BUILD)/libcommon.a
LIBOV		= $(BUILD)/libov.a
LIBSIP		= $(BUILD)/libsip.a
LIBMEDIA	= $(BUILD)/libmedia.a
LIBNAT		= $(BUILD)/libnat.a
LIBLOC		= $(BUILD)/libloc.a
LIBD		= $(BUILD)/libd.a
UNIT_BINS	= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_BINS	= $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))

.PHONY: all deps run demo test test-run check unit fuzz fuzz-smoke systest \
	asan asan-run lint check-deps install uninstall clean

all: $(BUILD)/p2psipd $(BUILD)/p2psipctl $(BUILD)/ovsim $(BUILD)/ovpoke \
    $(BUILD)/ctlbatch $(BUILD)/tone

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

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBCOMMON): $(COMMON_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(LIBOV): $(OV_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(LIBSIP): $(SIP_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(LIBMEDIA): $(MEDIA_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(LIBNAT): $(NAT_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(LIBLOC): $(LOC_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(LIBD): $(D_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(BUILD)/p2psipd: $(call obj,daemon/main.c) $(LIBD) $(LIBLOC) $(LIBSIP) $(LIBMEDIA) $(LIBNAT) \
		$(LIBOV) $(LIBCOMMON)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/p2psipctl: $(call obj,daemon/p2psipctl.c) $(LIBD) $(LIBLOC) $(LIBSIP) $(LIBMEDIA) \
		$(LIBNAT) $(LIBOV) $(LIBCOMMON)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# The overlay simulator (tests/sim): the unit suite and a command.
SIM_OBJS	= $(call obj,tests/sim/sim.c tests/sim/sim_loc.c)

$(BUILD)/ovsim: $(call obj,tests/sim/sim_main.c) $(SIM_OBJS) $(LIBLOC) \
		$(LIBOV) $(LIBCOMMON)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lm

# A scripted RELOAD peer for the system tests (tests/tools).
$(BUILD)/ovpoke: $(call obj,tests/tools/ovpoke.c) $(LIBD) $(LIBLOC) $(LIBSIP) $(LIBMEDIA) \
		$(LIBNAT) $(LIBOV) $(LIBCOMMON)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# Pipelined control requests to many daemons (tests/tools).
$(BUILD)/ctlbatch: $(call obj,tests/tools/ctlbatch.c) $(LIBD) $(LIBLOC) $(LIBSIP) $(LIBMEDIA) \
    $(LIBNAT) $(LIBOV) $(LIBCOMMON)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# WAV tones: made for the phones, found in their recordings (tests/tools).
$(BUILD)/tone: $(call obj,tests/tools/tone.c)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

$(BUILD)/tests/check_sim: $(BUILD)/obj/tests/unit/check_sim.o $(SIM_OBJS) \
		$(LIBLOC) $(LIBOV) $(LIBCOMMON)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(BUILD)/tests/check_loc: $(BUILD)/obj/tests/unit/check_loc.o $(SIM_OBJS) \
		$(LIBLOC) $(LIBOV) $(LIBCOMMON)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

# The STUN codec's suite links only libnat and libcommon.
$(BUILD)/tests/check_stun: $(BUILD)/obj/tests/unit/check_stun.o $(LIBNAT) \
		$(LIBCOMMON)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

# Unit tests: each suite links the libraries it tests.
unit: $(UNIT_BINS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBD) $(LIBLOC) $(LIBSIP) $(LIBMEDIA) \
		$(LIBNAT) $(LIBOV) $(LIBCOMMON)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS) -lm

# libFuzzer targets: the parsers rebuilt with clang and the sanitizers.
FUZZ_CFLAGS	= $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined \
		  -fno-sanitize-recover=all $(INCS) \
		  $(shell pkg-config --cflags $(PKGS))

fuzz: $(FUZZ_BINS)

$(BUILD)/fuzz/fuzz_cfg: tests/fuzz/fuzz_cfg.c daemon/cfg.c daemon/cfg_key.c \
		daemon/cfg_parse.c daemon/log.c common/addr.c \
		common/xmalloc.c
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/fuzz_ctl: tests/fuzz/fuzz_ctl.c daemon/ctl_proto.c \
		daemon/ctl_spec.c common/xmalloc.c
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

OV_FUZZ_SRCS	= overlay/ov_body.c overlay/ov_data.c overlay/ov_fh.c \
		  overlay/ov_store.c \
		  overlay/ov_id.c overlay/ov_msg.c common/addr.c common/hex.c \
		  common/wire.c common/xmalloc.c

$(BUILD)/fuzz/fuzz_ovmsg: tests/fuzz/fuzz_ovmsg.c $(OV_FUZZ_SRCS)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/fuzz_sipmsg: tests/fuzz/fuzz_sipmsg.c $(SIP_SRCS) $(NAT_SRCS) \
		media/sdp.c media/sdp_oa.c common/addr.c common/fifo.c common/hex.c common/log_ctx.c \
		common/rng.c common/strmap.c \
		common/wire.c common/xmalloc.c
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/fuzz_media: tests/fuzz/fuzz_media.c media/media_session.c \
		media/media_dtls.c \
		media/g711.c media/rtp.c media/wav.c common/addr.c \
		common/fifo.c common/log_ctx.c common/rng.c common/wire.c \
		common/xmalloc.c
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/fuzz_sdp: tests/fuzz/fuzz_sdp.c media/sdp.c media/sdp_oa.c common/hex.c \
		common/wire.c common/xmalloc.c
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/fuzz_stun: tests/fuzz/fuzz_stun.c $(NAT_SRCS) common/addr.c \
		common/wire.c common/xmalloc.c
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

# Protocol cores must stay sans-I/O (STYLE.md §3).
CORE_DIRS	= $(wildcard overlay sip nat media)
check-deps:
	@if [ -n "$(CORE_DIRS)" ] && grep -nE \
	    '#include <(event2/|sqlite3\.h)|[^_a-z](send|recv|sendto|recvfrom|socket|bind|connect|time|gettimeofday|clock_gettime|rand|getrandom|RAND_bytes|getaddrinfo)\(' \
	    $(addsuffix /*.[ch],$(CORE_DIRS)); then \
	    echo "check-deps: I/O in a protocol core (above)"; exit 1; fi
	@# nat/ stands on common/ alone (DESIGN.md: arrows point down).
	@for f in $(wildcard nat/*.[ch]); do \
	    sed -n 's/^#include "\(.*\)".*/\1/p' $$f | while read -r h; do \
	    [ -e nat/$$h ] || [ -e common/$$h ] || \
	    echo "$$f: #include \"$$h\""; done; done | awk '{ print } \
	    END { if (NR) { print "check-deps: nat/ includes above" \
	    " common/ (above)"; exit 1 } }'
	@echo "check-deps: protocol cores are sans-I/O"

lint: check-deps
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning \
	    --inline-suppr --include=/usr/include/x86_64-linux-gnu/sys/queue.h \
	    $(INCS) common daemon overlay sip nat tests/sim tests/tools

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

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
