/*
 * fuzz-grouping.c - libFuzzer harness of the grouping file reader of
 * `taskmap evaluate --grouping-file` (cli/evaluate-input.c): the input is
 * the JSON file, read for a run with the fixed tasks below. A refused file
 * gives TM_ERR_INPUT with a message; an accepted one gives groups over
 * those tasks (offsets increasing, every group of "groups" non-empty,
 * memberships in (0, 1]) that survive what `evaluate` does next:
 * completing them with singletons and printing them as JSON.
 */
#include "fuzz-common.h"

#include "evaluate-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *grouping_task_names[] = { "a", "b", "c", "task d", "caf\xc3\xa9" };
#define GROUPING_N_TASKS (sizeof(grouping_task_names) / sizeof(grouping_task_names[0]))

/* grouping_fuzz_check - @g is a valid grouping over the fixed tasks; then completed. */
static void grouping_fuzz_check(struct eval_grouping *g, int soft)
{
	int wanted[GROUPING_N_TASKS];
	size_t left_out[GROUPING_N_TASKS], n_left_out = 99;
	struct tm_error err = { 0 };
	char *json;

	FUZZ_REQUIRE(g->start != NULL && g->start[0] == 0);
	FUZZ_REQUIRE(g->start[g->n_groups] == g->n_members);
	FUZZ_REQUIRE(!soft == !g->weight);
	for (size_t k = 0; k < g->n_groups; k++)
		FUZZ_REQUIRE(g->start[k] <= g->start[k + 1] && (soft || g->start[k] < g->start[k + 1]));
	for (size_t i = 0; i < g->n_members; i++) {
		FUZZ_REQUIRE(g->member[i] < GROUPING_N_TASKS);
		FUZZ_REQUIRE(!soft || (g->weight[i] > 0 && g->weight[i] <= 1));
	}
	for (size_t t = 0; t < GROUPING_N_TASKS; t++)
		wanted[t] = t != 2;
	FUZZ_REQUIRE(eval_grouping_add_missing(g, wanted, GROUPING_N_TASKS, left_out, &n_left_out,
					       &err) == 0);
	FUZZ_REQUIRE(n_left_out <= GROUPING_N_TASKS && g->start[g->n_groups] == g->n_members);
	json = eval_grouping_json(g);
	FUZZ_REQUIRE(json != NULL && json[0] == '[');
	free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_file file;
	static int excluded[GROUPING_N_TASKS];
	const struct eval_tasks tasks = { GROUPING_N_TASKS, grouping_task_names, excluded };
	struct eval_grouping hard, soft;
	struct tm_error err = { 0 };
	int rc;

	fuzz_file_set(&file, "grouping.json", data, size);
	rc = eval_grouping_from_file(file.path, &tasks, &hard, &soft, &err);
	if (getenv("FUZZ_VERBOSE")) /* to see what the seeds reach */
		fprintf(stderr, "grouping: %d %s\n", rc, rc < 0 ? err.message : "accepted");
	if (rc < 0) {
		FUZZ_REQUIRE(rc == TM_ERR_INPUT && err.code == rc && err.message[0] != '\0');
		FUZZ_REQUIRE(hard.n_groups == 0 && hard.start == NULL);
		FUZZ_REQUIRE(soft.n_groups == 0 && soft.start == NULL);
	} else {
		FUZZ_REQUIRE(rc == 0 && hard.n_groups > 0);
		grouping_fuzz_check(&hard, 0);
		if (soft.start)
			grouping_fuzz_check(&soft, 1);
	}
	eval_grouping_release(&hard);
	eval_grouping_release(&soft);
	return 0;
}
