/*
 * dtls_ctx.h - for tests: a DTLS-SRTP context (media_dtls_ctx) with a
 * fresh P-256 key and a self-signed certificate, as a phone has.
 */
#ifndef TEST_DTLS_CTX_H
#define TEST_DTLS_CTX_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "media_dtls.h"

/* The context (app: for an application's messages, no SRTP), its
 * certificate's fingerprint into fp; NULL: failed. */
static inline SSL_CTX *
test_dtls_ctx_of(uint8_t fp[32], bool app)
{
	EVP_PKEY	*key = EVP_EC_gen("P-256");
	X509		*x = X509_new();
	SSL_CTX		*ctx = NULL;

	if (key != NULL && x != NULL &&
	    X509_set_version(x, X509_VERSION_3) &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -60) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL &&
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"dtls", -1, -1, 0) &&
	    X509_set_issuer_name(x, X509_get_subject_name(x)) &&
	    X509_set_pubkey(x, key) && X509_sign(x, key, EVP_sha256()) > 0)
		ctx = app ? media_dtls_ctx_app(x, key, fp) :
		    media_dtls_ctx(x, key, fp);
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

static inline SSL_CTX *
test_dtls_ctx(uint8_t fp[32])
{
	return test_dtls_ctx_of(fp, false);
}

#endif
