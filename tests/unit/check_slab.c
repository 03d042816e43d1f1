/*
 * check_slab.c - the slabs of per-call state: objects of every size
 * apart and intact, freed ones used again, formatted strings, a slab
 * emptied goes back to the system at slab_trim (its pages no longer
 * resident), sizes past SLAB_MAX from malloc and freed the same way.  Under AddressSanitizer
 * or valgrind every object comes from malloc: only the first holds.
 */
#define _DEFAULT_SOURCE		/* mincore */

#include <sys/mman.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_main.h"
#include "slab.h"

#define N	3000

/* Is the page holding p resident? */
static int
resident(const void *p)
{
	long		 pg = sysconf(_SC_PAGESIZE);
	unsigned char	 v;

	ck_assert_int_eq(mincore((void *)((uintptr_t)p & ~(uintptr_t)(pg - 1)),
	    (size_t)pg, &v), 0);
	return v & 1;
}

/* Every byte of p[0..len) is v (one assertion, not one a byte: the
 * test has to run under load within its timeout). */
static bool
all_are(const unsigned char *p, size_t len, unsigned char v)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

START_TEST(apart_intact)
{
	static unsigned char	*o[N];
	static size_t		 len[N];
	size_t			 i;

	for (i = 0; i < N; i++) {
		len[i] = 1 + (i * 37) % (SLAB_MAX + 600);
		o[i] = slab_alloc(len[i]);
		memset(o[i], (int)(i & 0xff), len[i]);
	}
	/* every other one freed and allocated again, at another size */
	for (i = 0; i < N; i += 2) {
		slab_free(o[i]);
		len[i] = 1 + (i * 91) % 700;
		o[i] = slab_calloc(1, len[i]);
		ck_assert(all_are(o[i], len[i], 0));
		memset(o[i], (int)(i & 0xff), len[i]);
	}
	for (i = 0; i < N; i++) {
		ck_assert_msg(all_are(o[i], len[i], (unsigned char)(i & 0xff)),
		    "object %zu overwritten", i);
		slab_free(o[i]);
	}
	slab_free(NULL);
}
END_TEST

START_TEST(realloc_keeps)
{
	char	*p = slab_realloc(NULL, 0, 20), *q;

	memcpy(p, "0123456789abcdefghi", 20);
	q = slab_realloc(p, 20, 30);		/* the same class, 32 */
	ck_assert_str_eq(q, "0123456789abcdefghi");
	p = slab_realloc(q, 20, 5000);		/* past SLAB_MAX */
	ck_assert_str_eq(p, "0123456789abcdefghi");
	q = slab_realloc(p, 5000, 100);
	ck_assert_str_eq(q, "0123456789abcdefghi");
	p = slab_memdup("xyz", 4);
	ck_assert_str_eq(p, "xyz");
	slab_free(p);
	slab_free(q);
	/* formatted: short ones, and past the 256 formatted on the stack */
	p = slab_printf("S %s:%u", "host", 5060u);
	ck_assert_str_eq(p, "S host:5060");
	slab_free(p);
	p = slab_printf("%0300d|%s", 7, "end");
	ck_assert_uint_eq(strlen(p), 304);
	ck_assert_str_eq(p + 299, "7|end");
	slab_free(p);
}
END_TEST

START_TEST(trim_returns)
{
	static void		*o[N];
	struct slab_stats	 st;
	size_t			 i;

	slab_trim();
	for (i = 0; i < N; i++)
		memset(o[i] = slab_alloc(200), 1, 200);
	slab_stats(&st);
	if (st.slabs == 0) {
		/* from malloc: under a sanitizer or valgrind */
		for (i = 0; i < N; i++)
			slab_free(o[i]);
		return;
	}
	ck_assert_uint_eq(st.bytes, N * 224);		/* the class of 200 */
	ck_assert_uint_ge(st.slabs, N * 224 / (16 * 1024));
	ck_assert(resident(o[N / 2]));
	for (i = 0; i < N; i++)
		slab_free(o[i]);
	slab_stats(&st);
	ck_assert_uint_eq(st.slabs, 0);
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert_uint_ge(st.empty, N * 224 / (16 * 1024));
	ck_assert(resident(o[N / 2]));			/* held till trimmed */
	slab_trim();
	slab_stats(&st);
	ck_assert_uint_eq(st.empty, 0);
	ck_assert(!resident(o[N / 2]));
	/* the slabs trimmed serve again */
	for (i = 0; i < N; i++)
		memset(o[i] = slab_alloc(200), 2, 200);
	for (i = 0; i < N; i++)
		slab_free(o[i]);
	slab_trim();
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("slab");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, apart_intact);
	tcase_add_test(tc, realloc_keeps);
	tcase_add_test(tc, trim_returns);
	suite_add_tcase(s, tc);
	return s;
}
