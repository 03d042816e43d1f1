/*
 * check_strmap.c - the string-keyed hash: entries found by key through
 * growth, keys that collide in a bucket, deletion of any entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "strmap.h"

struct item {
	char			name[16];
	int			value;
	struct strmap_entry	h;
};

#define N	5000

START_TEST(add_find_del)
{
	static struct item	it[N];
	struct strmap		m;
	struct strmap_entry	*e;
	int			i;

	memset(&m, 0, sizeof m);
	ck_assert_ptr_null(strmap_find(&m, "nothing"));	/* no buckets yet */
	for (i = 0; i < N; i++) {
		snprintf(it[i].name, sizeof it[i].name, "u%d", i);
		it[i].value = i;
		strmap_add(&m, &it[i].h, it[i].name);
	}
	ck_assert_uint_eq(m.n, N);
	ck_assert_uint_ge(m.nb, N);		/* it grew */
	for (i = 0; i < N; i++) {
		e = strmap_find(&m, it[i].name);
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(STRMAP_ITEM(e, struct item, h)->value, i);
	}
	ck_assert_ptr_null(strmap_find(&m, "u5000"));
	ck_assert_ptr_null(strmap_find(&m, ""));
	/* every other one goes; the rest stay found */
	for (i = 0; i < N; i += 2)
		strmap_del(&m, &it[i].h);
	ck_assert_uint_eq(m.n, N / 2);
	for (i = 0; i < N; i++)
		ck_assert((strmap_find(&m, it[i].name) != NULL) == (i % 2 == 1));
	strmap_clear(&m);
	ck_assert_ptr_null(strmap_find(&m, "u1"));
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("strmap");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, add_find_del);
	suite_add_tcase(s, tc);
	return s;
}
