/*
 * sdp_edit.c - a media relay's edit of a session description: one
 * stream moved to the relay's address, the rest of the text kept line
 * for line (formats, keys, fingerprints and attributes this parser does
 * not know pass as they came).  The text must parse (sdp_parse) first:
 * the edit trusts its line structure and m= lines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sdp.h"
#include "wire.h"

/* The ICE attributes a relay's edit drops (RFC 8839 §5), and a=rtcp
 * (RFC 3605: the relay's RTCP is its own). */
static bool
sdp_edit_dropped(const char *l, size_t n)
{
	static const char *const names[] = { "a=candidate:", "a=ice-ufrag:",
	    "a=ice-pwd:", "a=ice-options:", "a=ice-lite", "a=ice-mismatch",
	    "a=remote-candidates:", "a=end-of-candidates", "a=rtcp:",
	    "a=ice-pacing:" };
	size_t	i, k;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		k = strlen(names[i]);
		if (n >= k && memcmp(l, names[i], k) == 0)
			return true;
	}
	return false;
}

/* What closes the stream being edited: its c=, our ICE lines. */
static void
sdp_edit_close(struct wbuf *w, const struct sdp_ice *ice, bool mux,
    bool had_mux)
{
	unsigned	i;

	if (ice != NULL) {
		wbuf_printf(w, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", ice->ufrag,
		    ice->pwd);
		for (i = 0; i < ice->ncands; i++)
			sdp_write_cand(w, &ice->cands[i]);
	}
	if (mux && !had_mux)
		wbuf_printf(w, "a=rtcp-mux\r\n");
}

/* m=<media> <port>[/<n>] <proto> ...: the line with port instead (the
 * fields as sdp.c's parser splits them: runs of spaces between). */
static void
sdp_edit_mline(struct wbuf *w, const char *l, size_t n, uint16_t port)
{
	size_t	i = 2, from, to;

	while (i < n && l[i] == ' ')
		i++;
	while (i < n && l[i] != ' ')
		i++;
	while (i < n && l[i] == ' ')
		i++;
	from = to = i;
	while (to < n && l[to] != ' ')
		to++;
	wbuf_bytes(w, l, from);
	wbuf_printf(w, "%u", port);
	wbuf_bytes(w, l + to, n - to);
}

int
sdp_edit_stream(struct wbuf *w, const char *text, size_t len,
    const struct sdp *s, unsigned idx, const char *addr, bool ipv6,
    uint16_t port, const struct sdp_ice *ice, bool mux)
{
	const char	*p = text, *end = text + len, *nl;
	size_t		 n;
	int		 sect = -1;	/* -1: the session's lines */
	bool		 in = false, had_mux, want_c = false;
	char		 cline[SDP_ADDR_MAX + 16];

	snprintf(cline, sizeof cline, "c=IN %s %s\r\n", ipv6 ? "IP6" : "IP4",
	    addr);
	had_mux = idx < s->nmedia && s->media[idx].rtcp_mux;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		/* §5: our c= after the stream's m= and i= */
		if (want_c && !(n >= 2 && p[0] == 'i' && p[1] == '=')) {
			wbuf_bytes(w, cline, strlen(cline));
			want_c = false;
		}
		if (n >= 2 && p[0] == 'm' && p[1] == '=') {
			if (in)
				sdp_edit_close(w, ice, mux, had_mux);
			sect++;
			in = sect == (int)idx;
		}
		if (in && n >= 2 && p[0] == 'm') {
			sdp_edit_mline(w, p, n, port);
			wbuf_bytes(w, "\r\n", 2);
			want_c = true;
		} else if (in && n >= 2 && p[0] == 'c' && p[1] == '=') {
			;		/* ours is in */
		} else if (sect == -1 && n >= 2 && p[0] == 'c' && p[1] == '=') {
			/* the session's: ours too (a stream that takes it
			 * cannot go through a NAT the relay is for) */
			wbuf_bytes(w, cline, strlen(cline));
		} else if ((in || sect == -1) && sdp_edit_dropped(p, n)) {
			;
		} else if (n > 0) {
			wbuf_bytes(w, p, n);
			wbuf_bytes(w, "\r\n", 2);
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (want_c)
		wbuf_bytes(w, cline, strlen(cline));
	if (in)
		sdp_edit_close(w, ice, mux, had_mux);
	return w->err ? EMSGSIZE : 0;
}

int
sdp_audio_stream(const struct sdp *s)
{
	unsigned	i;

	for (i = 0; i < s->nmedia; i++)
		if (strcmp(s->media[i].type, "audio") == 0 &&
		    s->media[i].port != 0)
			return (int)i;
	return -1;
}
