/*
 * score-grouping.c - bench helper: the adjusted Rand index and normalised
 * mutual information of a grouping (`taskmap recommend --format json`)
 * against the planted one (`taskmap synth --truth`).
 * Usage: score-grouping TRUTH.json GROUPING.json  -> prints "ARI NMI"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzers.h"

/* group_of - the group of task @name in @root's "groups"; -1 if absent. */
static long group_of(json_t *root, const char *name)
{
	json_t *groups = json_object_get(root, "groups"), *group, *task;
	size_t g, i;

	json_array_foreach(groups, g, group)
		json_array_foreach(json_object_get(group, "tasks"), i, task)
			if (strcmp(json_string_value(task), name) == 0)
				return (long)g;
	return -1;
}

int main(int argc, char **argv)
{
	json_t *truth, *found, *group, *task;
	size_t *a, *b, n = 0, g, i;

	if (argc != 3 || !(truth = json_load_file(argv[1], 0, NULL)) ||
	    !(found = json_load_file(argv[2], 0, NULL))) {
		fprintf(stderr, "usage: score-grouping TRUTH.json GROUPING.json\n");
		return 2;
	}
	a = malloc(4096 * sizeof(size_t));
	b = malloc(4096 * sizeof(size_t));
	json_array_foreach(json_object_get(truth, "groups"), g, group)
		json_array_foreach(json_object_get(group, "tasks"), i, task) {
			long other = group_of(found, json_string_value(task));

			if (other < 0 || n == 4096)
				continue; /* a task the analysis excluded */
			a[n] = g;
			b[n++] = (size_t)other;
		}
	printf("%.4f %.4f\n", tm_adjusted_rand_index(a, b, n),
	       tm_normalized_mutual_information(a, b, n));
	free(a);
	free(b);
	json_decref(truth);
	json_decref(found);
	return 0;
}
