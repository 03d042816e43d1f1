/*
 * check_sip_cache.c - the proxy's cache of the overlay's answers: kept
 * ttl, the oldest out first when full, a new answer replaces the old,
 * a dropped AOR is gone, Node-IDs kept with their contacts; entries
 * nobody asks for go at their time, not at the next call.
 */
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "sip_cache.h"

START_TEST(ttl_max_drop)
{
	static const char *const ca[] = { "sip:a@192.0.2.1:5061;transport=tls",
	    "sip:a@192.0.2.2:5060" };
	static const char *const cb[] = { "sip:b@192.0.2.3:5060" };
	static const uint8_t	 node[SIP_NODE_LEN] = { 7, 7 };
	const uint8_t		*nodes[] = { node, NULL }, *gn[4];
	const char		*gc[4];
	struct sip_cache	*c = sip_cache_new(1000, 2);

	sip_cache_put(c, 100, "a@d", ca, nodes, 2);
	ck_assert_uint_eq(sip_cache_get(c, 500, "a@d", gc, gn, 4), 2);
	ck_assert_str_eq(gc[0], ca[0]);
	ck_assert_mem_eq(gn[0], node, SIP_NODE_LEN);
	ck_assert_ptr_null(gn[1]);
	ck_assert_uint_eq(sip_cache_get(c, 500, "a@d", gc, gn, 1), 1);
	ck_assert_uint_eq(sip_cache_get(c, 1100, "a@d", gc, gn, 4), 0);
	/* full at 2: the third AOR pushes the oldest out */
	sip_cache_put(c, 2000, "a@d", ca, NULL, 2);
	sip_cache_put(c, 2001, "b@d", cb, NULL, 1);
	sip_cache_put(c, 2002, "c@d", cb, NULL, 1);
	ck_assert_uint_eq(sip_cache_size(c), 2);
	ck_assert_uint_eq(sip_cache_get(c, 2003, "a@d", gc, gn, 4), 0);
	ck_assert_uint_eq(sip_cache_get(c, 2003, "b@d", gc, gn, 4), 1);
	/* a new answer replaces the old; an empty one, or a drop, clears */
	sip_cache_put(c, 2004, "b@d", ca, NULL, 2);
	ck_assert_uint_eq(sip_cache_get(c, 2005, "b@d", gc, gn, 4), 2);
	sip_cache_put(c, 2006, "b@d", NULL, NULL, 0);
	ck_assert_uint_eq(sip_cache_get(c, 2007, "b@d", gc, gn, 4), 0);
	sip_cache_drop(c, "c@d");
	ck_assert_uint_eq(sip_cache_get(c, 2008, "c@d", gc, gn, 4), 0);
	ck_assert_uint_eq(sip_cache_size(c), 0);
	sip_cache_free(c);
	/* ttl 0: nothing kept */
	c = sip_cache_new(0, 16);
	sip_cache_put(c, 1, "a@d", ca, NULL, 2);
	ck_assert_uint_eq(sip_cache_get(c, 1, "a@d", gc, gn, 4), 0);
	sip_cache_free(c);
}
END_TEST

START_TEST(expire_unasked)
{
	static const char *const ca[] = { "sip:a@192.0.2.1:5060" };
	struct sip_cache	*c = sip_cache_new(1000, 16);

	ck_assert_uint_eq(sip_cache_deadline(c), UINT64_MAX);
	sip_cache_put(c, 100, "a@d", ca, NULL, 1);
	sip_cache_put(c, 600, "b@d", ca, NULL, 1);
	ck_assert_uint_eq(sip_cache_deadline(c), 1100);
	sip_cache_expire(c, 1099);
	ck_assert_uint_eq(sip_cache_size(c), 2);
	sip_cache_expire(c, 1100);
	ck_assert_uint_eq(sip_cache_size(c), 1);
	ck_assert_uint_eq(sip_cache_deadline(c), 1600);
	/* a dropped entry is due at once */
	sip_cache_drop(c, "b@d");
	ck_assert_uint_eq(sip_cache_deadline(c), 0);
	sip_cache_expire(c, 1200);
	ck_assert_uint_eq(sip_cache_deadline(c), UINT64_MAX);
	ck_assert_uint_eq(sip_cache_size(c), 0);
	sip_cache_free(c);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sip_cache");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, ttl_max_drop);
	tcase_add_test(tc, expire_unasked);
	suite_add_tcase(s, tc);
	return s;
}
