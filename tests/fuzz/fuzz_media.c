/*
 * fuzz_media.c - libFuzzer target for what the media layer takes from
 * outside: datagrams at a call's RTP and RTCP sockets (RTP, RTCP and
 * telephone-events, RFC 3550 and RFC 4733, plain or under SRTP) and WAV
 * files given to play.  The first byte picks: 0-63 a plain session's
 * RTP socket, 64-127 its RTCP socket, 128-159 an SRTP session's RTP
 * socket, 160-191 the RTP socket of a session keyed by DTLS-SRTP (as
 * its server: what comes goes to the DTLS handshake), 192-255 a WAV
 * file.  Nothing may crash, hang or read past the
 * input; a WAV accepted converts to as many samples as it says.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/dtls_ctx.h"
#include "addr.h"
#include "media_session.h"
#include "rng.h"
#include "sdp.h"
#include "wav.h"

static struct media_session *
session(enum sdp_keying k)
{
	static SSL_CTX			*ctx;
	uint8_t				 fp[32];
	static struct rng_xoshiro	xs;
	static struct rng		rng = { rng_xoshiro_fill, &xs };
	struct media_session		*ms;
	struct sdp_stream		 st;
	const char			*why;

	rng_xoshiro_seed(&xs, 1);
	memset(&st, 0, sizeof st);
	strcpy(st.addr, "127.0.0.1");
	st.port = 4000;
	st.rtcp_port = 4001;
	st.pt = 0;
	st.te_pt = 101;
	st.ptime = 20;
	st.dir = SDP_SENDRECV;
	st.keying = k;
	if (k == SDP_KEYING_SDES)
		strcpy(st.suite, "AES_CM_128_HMAC_SHA1_32");
	if (k == SDP_KEYING_DTLS && ctx == NULL &&
	    (ctx = test_dtls_ctx(fp)) == NULL)
		abort();
	if (media_session_new(&ms, &st, ctx, &rng, NULL, 0, &why) != 0)
		abort();
	return ms;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct media_session	*plain, *srtp;
	struct media_session		*to, *dtls = NULL;
	struct media_action		 a;
	struct wav_fmt			 f;
	struct addr			 from;
	const char			*why;
	uint8_t				 buf[MEDIA_PKT_MAX + 64];
	int16_t				*pcm;
	size_t				 n;

	if (len < 1)
		return 0;
	if (plain == NULL) {
		plain = session(SDP_KEYING_NONE);
		srtp = session(SDP_KEYING_SDES);
	}
	addr_parse("127.0.0.1:4000", 0, &from);
	if (data[0] >= 192) {
		if (wav_parse(&f, data + 1, len - 1, &why) != 0)
			return 0;
		if ((n = wav_samples(&f)) > 16 * 48000)
			return 0;
		pcm = malloc((n + 1) * sizeof *pcm);
		wav_convert(&f, pcm);
		free(pcm);
		return 0;
	}
	if (len - 1 > MEDIA_PKT_MAX)
		return 0;
	memcpy(buf, data + 1, len - 1);
	if (data[0] >= 64 && data[0] < 128)
		from.port = 4001;
	/* a DTLS association that failed takes nothing more: a new one */
	if (data[0] >= 160)
		dtls = session(SDP_KEYING_DTLS);
	to = data[0] >= 160 ? dtls : data[0] >= 128 ? srtp : plain;
	media_session_input(to, 1000, data[0] >= 64 && data[0] < 128, &from, buf,
	    len - 1);
	media_session_tick(to, 1000);
	while (media_session_next_action(to, &a))
		;
	media_session_free(dtls);
	return 0;
}
