/*
 * check_main.c - the main() of every unit suite: runs the suite its
 * check_*.c file gives (check_suite) and exits 1 if a test failed.
 * Check reads CK_FORK, CK_RUN_SUITE, CK_RUN_CASE, CK_DEFAULT_TIMEOUT and
 * the like from the environment, and prints the "Checks: N, ..." line
 * tests/run.sh counts.
 */
#include <check.h>

#include "check_main.h"

int
main(void)
{
	SRunner	*sr = srunner_create(check_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
