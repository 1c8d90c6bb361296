/*
 * test-main.c - the main of every Check test program. Built once per suite
 * with -DSUITE_FUNCTION=<module>_suite (and -DSUITE_AVAILABLE=<fn> for suites
 * that need something a fresh clone may lack: they exit 77, "skipped").
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

Suite *SUITE_FUNCTION(void);
#ifdef SUITE_AVAILABLE
int SUITE_AVAILABLE(void);
#endif

int main(void)
{
	SRunner *runner;
	int failed;

	gsl_set_error_handler_off();
#ifdef SUITE_AVAILABLE
	if (!SUITE_AVAILABLE()) {
		printf("skipped: a prerequisite of this suite is missing\n");
		return 77;
	}
#endif
	runner = srunner_create(SUITE_FUNCTION());
	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
