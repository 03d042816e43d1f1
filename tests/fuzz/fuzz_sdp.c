/*
 * fuzz_sdp.c - libFuzzer target for the SDP parser (RFC 8866) and
 * offer/answer (RFC 3264).  Parsing never crashes or reads past the
 * input; a parsed description written out parses again, and writing
 * that gives the same bytes.  Every parsed description is then answered
 * under each [media] srtp policy, with and without SDES allowed, and
 * read as the answer to an offer of ours; an answer made is itself
 * parsed back.  A media relay's edit of each stream (sdp_edit.c), with
 * ICE and without, parses again with the stream where the edit put it;
 * a control stream (ICE for SIP) is read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"
#include "wire.h"

static char *
text_of(const struct sdp *s, size_t *n)
{
	struct wbuf	w;

	wbuf_init(&w, 4 * SDP_MAX_LEN);
	sdp_write(&w, s);
	if (w.err)
		abort();
	return (char *)wbuf_take(&w, n);
}

/* The edit of stream i of s (text[0..len)) parses, the stream moved. */
static void
edited(const struct sdp *s, const uint8_t *text, size_t len, unsigned i,
    const struct sdp_ice *ice)
{
	static struct sdp t;
	struct wbuf	w;
	const char	*why;

	wbuf_init(&w, 4 * SDP_MAX_LEN);
	if (sdp_edit_stream(&w, (const char *)text, len, s, i, "192.0.2.1",
	    false, 4242, ice, ice != NULL) != 0)
		abort();
	if (sdp_parse(&t, (const char *)w.p, w.len, &why) != 0) {
		if (w.len <= SDP_MAX_LEN && strstr(why, "too long") == NULL &&
		    strstr(why, "too many") == NULL)
			abort();
	} else if (t.nmedia != s->nmedia || t.media[i].port != 4242 ||
	    strcmp(t.media[i].addr, "192.0.2.1") != 0 ||
	    (ice == NULL && t.media[i].ncands != 0))
		abort();
	wbuf_clear(&w);
}

static void
reparse(const struct sdp *s, bool again)
{
	static struct sdp t;
	const char	*why;
	char		*a, *b;
	size_t		 na, nb;

	a = text_of(s, &na);
	if (sdp_parse(&t, a, na, &why) != 0) {
		/* what we write may exceed the input's bounds, never its
		 * grammar */
		if (na <= SDP_MAX_LEN && strstr(why, "too long") == NULL)
			abort();
		free(a);
		return;
	}
	if (again) {
		b = text_of(&t, &nb);
		if (na != nb || memcmp(a, b, na) != 0)
			abort();
		free(b);
	}
	free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sdp	 s, ans, off;
	struct sdp_stream	 st;
	struct sdp_local	 l;
	static struct sdp_ice	 ice;
	static struct sdp_control ctl;
	const char		*why;
	int			 pol, rc;
	unsigned		 i;

	if (sdp_parse(&s, (const char *)data, size, &why) != 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	reparse(&s, true);
	memset(&l, 0, sizeof l);
	l.addr = "127.0.0.1";
	l.port = 4000;
	l.te_pt = 101;
	l.fp_set = true;
	snprintf(ice.ufrag, sizeof ice.ufrag, "ufrg");
	snprintf(ice.pwd, sizeof ice.pwd, "passwordpasswordpassword");
	ice.ncands = 1;
	snprintf(ice.cands[0].foundation, sizeof ice.cands[0].foundation, "1");
	ice.cands[0].component = 1;
	ice.cands[0].priority = 1;
	snprintf(ice.cands[0].addr, sizeof ice.cands[0].addr, "127.0.0.1");
	ice.cands[0].port = 4000;
	/* a control stream (ICE for SIP) is usable or says why not */
	rc = sdp_control_of(&s, &ctl, &why);
	if ((rc == 0 && (ctl.ice.ncands == 0 || ctl.idx >= s.nmedia)) ||
	    (rc == EBADMSG && why == NULL))
		abort();
	for (i = 0; i < s.nmedia; i++) {
		edited(&s, data, size, i, NULL);
		edited(&s, data, size, i, &ice);
	}
	for (pol = 0; pol < 6; pol++) {
		l.srtp = (enum sdp_srtp_policy)(pol % 3);
		l.sdes_ok = pol >= 3;
		l.ice = pol % 2 ? &ice : NULL;
		rc = sdp_oa_answer(&ans, &st, &s, &l, &why);
		if (rc == 0)
			reparse(&ans, false);
		else if (rc != ENOTSUP || why == NULL)
			abort();
		sdp_oa_offer(&off, &l);
		rc = sdp_oa_accept(&st, &off, &s, &l, &why);
		if (rc != 0 && why == NULL)
			abort();
	}
	return 0;
}
