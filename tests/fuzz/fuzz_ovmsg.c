/*
 * fuzz_ovmsg.c - libFuzzer target for the RELOAD codec: the message
 * (forwarding header, contents, security block), every method body
 * (AppAttach's too) and the framing-header stream.  Decoding never
 * crashes or reads past the input; a decoded message re-encodes to the
 * same bytes; a decoded body re-encodes to something that decodes to the
 * same value.  The storage bodies (Store, Fetch/Stat, Find and their
 * answers) re-encode to the same bytes.  A persisted storage row (read
 * back from the sqlite file) loads or is refused, and the store's
 * accounts stay right.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ov_body.h"
#include "ov_data.h"
#include "ov_fh.h"
#include "ov_msg.h"
#include "ov_held.h"
#include "wire.h"

#define FUZZ_MAX	(1 << 16)

static void
fuzz_message(const uint8_t *p, size_t n)
{
	struct ov_msg	*m = malloc(sizeof *m), *m2 = malloc(sizeof *m2);
	struct wbuf	 w;
	uint16_t	 err;

	if (ov_msg_decode(p, n, m, &err) == 0) {
		/* the forwarding path: new header, same rest */
		wbuf_init(&w, 1 << 20);
		ov_msg_fwd_encode(&w, &m->fwd);
		wbuf_bytes(&w, p + m->fwd_len, n - m->fwd_len);
		ov_msg_finish(&w);
		if (w.err || ov_msg_decode(w.p, w.len, m2, &err) != 0 ||
		    m2->fwd.tid != m->fwd.tid || m2->code != m->code ||
		    m2->fwd.nvia != m->fwd.nvia ||
		    m2->fwd.ndest != m->fwd.ndest ||
		    m2->body_len != m->body_len)
			abort();
		/* canonical encodings come back byte for byte */
		if (w.len == n && memcmp(w.p, p, n) != 0 &&
		    m->fwd.options_len == 0)
			abort();
		wbuf_clear(&w);
	}
	free(m);
	free(m2);
}

static void
fuzz_update(const uint8_t *p, size_t n)
{
	struct ov_update	*u = malloc(sizeof *u), *u2 = malloc(sizeof *u2);
	struct wbuf		 w;

	if (ov_body_update_decode(p, n, u) == 0) {
		wbuf_init(&w, 1 << 20);
		ov_body_update_encode(&w, u);
		if (w.len != n || memcmp(w.p, p, n) != 0 ||
		    ov_body_update_decode(w.p, w.len, u2) != 0)
			abort();
		wbuf_clear(&w);
	}
	free(u);
	free(u2);
}

static void
fuzz_attach(const uint8_t *p, size_t n)
{
	struct ov_attach	a, a2;
	struct wbuf		w;
	unsigned		i;

	if (ov_body_attach_decode(p, n, &a) != 0)
		return;
	wbuf_init(&w, 1 << 20);
	ov_body_attach_encode(&w, &a);
	if (ov_body_attach_decode(w.p, w.len, &a2) != 0 ||
	    a2.ncand != a.ncand ||
	    a2.send_update != a.send_update || strcmp(a2.role, a.role) != 0)
		abort();
	for (i = 0; i < a.ncand; i++)
		if (!addr_eq(&a.cand[i].addr, &a2.cand[i].addr))
			abort();
	wbuf_clear(&w);
}

static void
fuzz_app_attach(const uint8_t *p, size_t n)
{
	struct ov_app_attach	a, a2;
	struct wbuf		w;
	unsigned		i;

	if (ov_body_app_attach_decode(p, n, &a) != 0)
		return;
	wbuf_init(&w, 1 << 20);
	ov_body_app_attach_encode(&w, &a);
	if (ov_body_app_attach_decode(w.p, w.len, &a2) != 0 ||
	    a2.ncand != a.ncand || a2.nskipped != 0 ||
	    a2.application != a.application || strcmp(a2.role, a.role) != 0 ||
	    strcmp(a2.ufrag, a.ufrag) != 0 ||
	    strcmp(a2.password, a.password) != 0)
		abort();
	for (i = 0; i < a.ncand; i++)
		if (!addr_eq(&a.cand[i].addr, &a2.cand[i].addr))
			abort();
	wbuf_clear(&w);
}

static void
fuzz_small(const uint8_t *p, size_t n)
{
	struct ov_leave		l;
	struct ov_probe		pr;
	struct ov_route_query	q;
	struct ov_id		id;
	uint64_t		a, b;
	uint16_t		code;
	const uint8_t		*info;
	size_t			ilen;

	(void)ov_body_leave_decode(p, n, &l);
	(void)ov_body_probe_req_decode(p, n, &pr);
	(void)ov_body_probe_ans_decode(p, n, &pr);
	(void)ov_body_route_query_decode(p, n, &q);
	(void)ov_body_route_query_ans_decode(p, n, &id);
	(void)ov_body_join_req_decode(p, n, &id);
	(void)ov_body_ping_req_decode(p, n);
	(void)ov_body_ping_ans_decode(p, n, &a, &b);
	(void)ov_body_error_decode(p, n, &code, &info, &ilen);
}

/* Encode what was decoded; it must be the input again. */
#define SAME_BYTES(encode, v) do {					\
	struct wbuf	w_;						\
	wbuf_init(&w_, 1 << 20);					\
	encode(&w_, v);							\
	if (w_.err || w_.len != n || memcmp(w_.p, p, n) != 0)		\
		abort();						\
	wbuf_clear(&w_);						\
} while (0)

static void
fuzz_storage(const uint8_t *p, size_t n)
{
	struct ov_store_req	*sq = malloc(sizeof *sq);
	struct ov_store_ans	*sa = malloc(sizeof *sa);
	struct ov_fetch_req	*fq = malloc(sizeof *fq);
	struct ov_fetch_ans	*fa = malloc(sizeof *fa);
	struct ov_stat_ans	*ta = malloc(sizeof *ta);
	struct ov_sipreg	 sr;
	struct ov_find_req	 dq;
	struct ov_turn_server	 ts;
	struct ov_proxy_peer	 pp;
	struct ov_find_ans	 da;
	uint32_t		 kinds[OV_DATA_KINDS_MAX];
	unsigned		 i, nk, known;
	uint16_t		 err;

	if (ov_data_store_req_decode(p, n, ov_kind_all, ov_kind_nall, sq,
	    &err) == 0 && sq->nunknown == 0)
		SAME_BYTES(ov_data_store_req_encode, sq);
	ov_data_store_req_free(sq);
	if (ov_data_store_ans_decode(p, n, sa) == 0)
		SAME_BYTES(ov_data_store_ans_encode, sa);
	if (ov_data_fetch_req_decode(p, n, ov_kind_all, ov_kind_nall, fq,
	    &err) == 0) {
		for (i = known = 0; i < fq->nspecs; i++)
			known += fq->specs[i].k != NULL;
		if (known == fq->nspecs)
			SAME_BYTES(ov_data_fetch_req_encode, fq);
	}
	if (ov_data_fetch_ans_decode(p, n, ov_kind_all, ov_kind_nall, fa) == 0)
		SAME_BYTES(ov_data_fetch_ans_encode, fa);
	ov_data_fetch_ans_free(fa);
	if (ov_data_stat_ans_decode(p, n, ov_kind_all, ov_kind_nall, ta) == 0)
		SAME_BYTES(ov_data_stat_ans_encode, ta);
	ov_data_stat_ans_free(ta);
	if (ov_data_sipreg_decode(p, n, &sr) == 0)
		SAME_BYTES(ov_data_sipreg_encode, &sr);
	if (ov_data_turn_server_decode(p, n, &ts) == 0)
		SAME_BYTES(ov_data_turn_server_encode, &ts);
	if (ov_data_proxy_peer_decode(p, n, &pp) == 0)
		SAME_BYTES(ov_data_proxy_peer_encode, &pp);
	if (ov_data_find_req_decode(p, n, &dq, &err) == 0)
		SAME_BYTES(ov_data_find_req_encode, &dq);
	if (ov_data_find_ans_decode(p, n, &da) == 0)
		SAME_BYTES(ov_data_find_ans_encode, &da);
	(void)ov_data_unknown_kinds_decode(p, n, kinds, &nk);
	free(sq);
	free(sa);
	free(fq);
	free(fa);
	free(ta);
}

static void
fuzz_rows(const uint8_t *p, size_t n)
{
	static const struct ov_held_limits lim = { 86400, 1 << 20 };
	struct ov_held	st;
	struct ov_id	res;
	size_t		i;

	memset(&res, 7, sizeof res);
	ov_held_init(&st, ov_kind_all, ov_kind_nall, &lim);
	for (i = 0; i < ov_kind_nall; i++)
		(void)ov_held_load(&st, &res, ov_kind_all[i].id, 1, p, n, 1000);
	ov_held_expire(&st, UINT64_MAX);
	if (st.values != 0 || st.bytes != 0)
		abort();
	ov_held_clear(&st);
}

static void
fuzz_framing(const uint8_t *p, size_t n)
{
	struct ov_fh		fh;
	struct ov_fh_frame	f;
	size_t			half = n / 2;

	ov_fh_init(&fh);
	ov_fh_input(&fh, p, half);
	while (ov_fh_next(&fh, 1, 5000, &f) == 0)
		fuzz_message(f.msg, f.len);
	ov_fh_input(&fh, p + half, n - half);
	while (ov_fh_next(&fh, 2, 5000, &f) == 0)
		fuzz_message(f.msg, f.len);
	ov_fh_clear(&fh);
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX)
		return 0;
	fuzz_message(data, size);
	fuzz_update(data, size);
	fuzz_attach(data, size);
	fuzz_app_attach(data, size);
	fuzz_small(data, size);
	fuzz_storage(data, size);
	fuzz_rows(data, size);
	fuzz_framing(data, size);
	return 0;
}
