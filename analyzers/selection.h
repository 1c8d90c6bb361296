/*
 * selection.h - the whole API of budgeted group selection (`taskmap
 * select`): given candidate networks (groups of tasks), each with a cost and
 * a per-task value (lower is better), choose networks of total cost at most a
 * budget B, possibly overlapping, that solve every task and minimise the sum
 * over tasks of each task's best value among the chosen networks solving it
 * (Standley et al., ICML 2020, section 3.3). TAG's objective (Fifty et al.,
 * NeurIPS 2021) is the same problem with value = -(mean in-group affinity).
 *
 * Solvers: exact search (a dynamic programme over task subsets when the
 * networks are every group at one cost, TAG mode up to
 * TM_SELECTION_ALL_GROUPS_TASKS tasks; branch and bound otherwise), a
 * cost-benefit greedy with a proven and an a-posteriori quality bound, and
 * the greedy followed by a swap local search (same bounds). Candidates come from Standley et al.'s loss files
 * (tm_selection_losses_read), from the higher-order approximation of those
 * files (tm_selection_hoa), or from an affinity matrix
 * (tm_selection_from_affinity: every group up to
 * TM_SELECTION_ALL_GROUPS_TASKS tasks, a generated candidate set beyond).
 * Formulas: docs/methods.md, "Group selection".
 *
 * Tasks are numbered 0..n_tasks-1 and a network's tasks are a bit set of
 * n_words 64-bit words (tm_selection_solves). Nothing here prints, exits or
 * keeps global state; functions return 0 or a negative enum tm_err and fill
 * the optional struct tm_error given last.
 */
#ifndef TM_ANALYZERS_SELECTION_H
#define TM_ANALYZERS_SELECTION_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#define TM_SELECTION_MAX_TASKS 20       /* loss files: 2^n lines fit in memory */
#define TM_SELECTION_ALL_GROUPS_TASKS 20 /* affinity: every group up to this many tasks
					   (2^20 - 1 groups: 184 MB of values and sets) */

/* Candidate networks; every array and string owned, free with tm_selection_problem_free(). */
struct tm_selection_problem {
	size_t n_tasks;
	size_t n_networks;
	size_t n_words;     /* 64-bit words per member set: ceil(n_tasks / 64) */
	char **task_names;  /* n_tasks names */
	uint64_t *members;  /* n_networks x n_words: bit t % 64 of word t / 64 of network j's
			       row set when j solves task t (one word, a plain mask, for
			       n_tasks <= 64) */
	double *cost;       /* n_networks costs, finite and > 0 */
	double *value;      /* n_networks x n_tasks, row-major; lower is better; NaN where
			       the network does not solve the task */
	int negated;        /* 1: value = -(affinity), the objective to report is -objective */
	int candidates;     /* 1: the networks are a generated subset of all groups (affinity
			       mode beyond TM_SELECTION_ALL_GROUPS_TASKS), so an optimum
			       over them need not be the true one; 0: every network */
	double *affinity;   /* NULL, or n_tasks x n_tasks, row i holding Z(i -> j): the matrix
			       TAG's values were computed from (tm_selection_from_affinity up
			       to TM_SELECTION_ALL_GROUPS_TASKS tasks), which the exact
			       search then uses in their place; whoever changes the values
			       frees it and sets it NULL */
	size_t n_seeds;        /* starting selections for HEURISTIC; 0 for none */
	size_t *seed_offset;   /* n_seeds + 1: seed s is seed_networks[seed_offset[s] ..
				  seed_offset[s + 1]) */
	size_t *seed_networks; /* network indices */
	int *seed_family;      /* n_seeds: HEURISTIC starts from, per family, the seed of
				  most networks within the budget (listed last among equals) */
};

/* tm_selection_solves - does network @j of @problem solve task @t? */
static inline int tm_selection_solves(const struct tm_selection_problem *problem, size_t j,
				      size_t t)
{
	return (int)((problem->members[j * problem->n_words + t / 64] >> (t % 64)) & 1);
}

/*
 * tm_selection_problem_create - a problem of @n_networks networks over
 * @n_tasks tasks with every value NaN, members 0, costs 1 and task names
 * "t0", "t1", ... for the caller to fill. TM_ERR_USAGE when n_tasks is 0,
 * TM_ERR_NOMEM. *@out is new.
 */
int tm_selection_problem_create(size_t n_tasks, size_t n_networks,
				struct tm_selection_problem **out, struct tm_error *err);

/* tm_selection_problem_free - accepts NULL. */
void tm_selection_problem_free(struct tm_selection_problem *problem);

/*
 * tm_selection_check - validate @problem: at least one task, every member
 * bit below n_tasks, no empty network, costs finite and > 0, values finite
 * exactly on members. Returns 0 or TM_ERR_INPUT naming the first bad network
 * ("network 3 (sd): value of task d is NaN"). Does no other work.
 */
int tm_selection_check(const struct tm_selection_problem *problem, struct tm_error *err);

/*
 * tm_selection_set_task_names - replace the task names by copies of
 * @names[0..n_tasks-1]. TM_ERR_USAGE for an empty or duplicate name.
 */
int tm_selection_set_task_names(struct tm_selection_problem *problem,
				const char *const *names, struct tm_error *err);

/*
 * tm_selection_network_label - the tasks of network @network as text in
 * @buffer of @size bytes: the names run together when each is one character
 * ("sdn"), else joined by '+'; a network of cost other than 1 gets "/C"
 * appended (a half-size single: "s/0.5"). Truncated to fit; returns @buffer.
 */
const char *tm_selection_network_label(const struct tm_selection_problem *problem,
				       size_t network, char *buffer, size_t size);

/*
 * tm_selection_find_network - the index of the first network solving exactly
 * the tasks of mask @members (bit t: task t, so tasks 0..63 only) at cost
 * @cost, in *@network. TM_ERR_NOT_FOUND when none.
 */
int tm_selection_find_network(const struct tm_selection_problem *problem, uint64_t members,
			      double cost, size_t *network, struct tm_error *err);

/* ---- solving ---------------------------------------------------------------- */

enum tm_selection_method {
	TM_SELECTION_AUTO,      /* every group at one cost: exact while the subset programme's
				   work is at most TM_SELECTION_PARTITION_WORK; otherwise exact
				   up to TM_SELECTION_EXACT_LIMIT networks unless they are
				   generated candidates or, with equal costs, there are more than
				   TM_SELECTION_EXACT_SUBSETS choices of floor(B / cost) or fewer;
				   else heuristic */
	TM_SELECTION_EXACT,     /* a proven optimum: the subset programme when the networks
				   are every group at one cost, else branch and bound */
	TM_SELECTION_GREEDY,    /* cost-benefit greedy + best single network */
	TM_SELECTION_HEURISTIC, /* GREEDY, then swap one network for another while it helps */
};

/* AUTO's limits for exact search (bench/RESULTS.md, "Group selection"): branch and
 * bound on at most 4096 networks (Taskonomy's files: 36), and with equal costs at most
 * 1e8 subsets of at most floor(B / cost) networks; the subset programme on every group
 * (TAG mode up to 20 tasks) at most PARTITION_WORK inner steps, for n tasks and
 * k = min(n, floor(B)) groups n^2 2^(n-1) + (k - 2) (3^(n-1) - 1) / 2 + (k - 1) 2^(n-1)
 * (3^n - 2^n in place of the first term without the affinity matrix): about ten
 * seconds, every budget up to 18 tasks, B <= 16 at 19 and B <= 6 at 20 tasks
 * (bench/RESULTS.md, "TAG mode: exact range (issue 8)") */
#define TM_SELECTION_EXACT_LIMIT 4096
#define TM_SELECTION_EXACT_SUBSETS 1e8
#define TM_SELECTION_PARTITION_WORK 3e9

/* A chosen set of networks for one budget; init with tm_selection_init, free with _release. */
struct tm_selection {
	double budget;
	enum tm_selection_method method; /* the solver actually used (EXACT or GREEDY) */
	size_t n_chosen;
	size_t *chosen;       /* n_chosen network indices, ascending */
	double cost;          /* total cost of the chosen networks */
	double objective;     /* sum over tasks of task_value */
	double *task_value;   /* n_tasks: each task's best value among the chosen */
	size_t *task_network; /* n_tasks: the chosen network giving it (lowest index on ties) */
	double lower_bound;   /* proven lower bound on the optimal objective over the
				 problem's networks: = objective for EXACT, the a-posteriori
				 bound for GREEDY and HEURISTIC */
	double task_bound;    /* sum over tasks of each task's best value in any network:
				 for affinity candidates (which hold every task's best pair)
				 a lower bound on the optimum over all groups; budget-free */
	double utility;       /* the submodular utility f of the chosen set (docs/methods.md) */
	uint64_t work;        /* branch-and-bound nodes, the subset programme's inner steps
				 (for its whole curve) or greedy gain evaluations */
};

/* tm_selection_init - an empty selection (safe to release). */
void tm_selection_init(struct tm_selection *selection);

/* tm_selection_release - free the arrays of @selection; accepts NULL. */
void tm_selection_release(struct tm_selection *selection);

/*
 * tm_selection_solve - choose networks of @problem of total cost <= @budget
 * covering every task, minimising the summed best value, with @method.
 * EXACT returns the optimum; among optimal choices the one of least cost,
 * then fewest networks, then (branch and bound only) lexicographically least
 * index list; on every-group problems the subset programme's ties between
 * choices of as many groups follow its block order (docs/methods.md). GREEDY
 * satisfies utility >= (1 - 1/e)/2 of the best utility within the budget
 * (and 1 - 1/e when all costs are equal); see docs/methods.md. HEURISTIC
 * starts from GREEDY's choice and only improves the utility, so it keeps
 * that guarantee.
 * Returns TM_ERR_USAGE for a budget below 1 or not finite or an unknown
 * method, TM_ERR_INPUT when @problem fails tm_selection_check or when no
 * selection within the budget covers every task (for GREEDY: when the greedy
 * one does not). @out is filled (released first); on failure it is left empty.
 */
int tm_selection_solve(const struct tm_selection_problem *problem, double budget,
		       enum tm_selection_method method, struct tm_selection *out,
		       struct tm_error *err);

/*
 * tm_selection_solve_curve - tm_selection_solve for each of @budgets[0..n_budgets-1]
 * into @out[0..n_budgets-1] (each released first), with one subset programme for all
 * the budgets it serves (its cost is that of the largest), so a curve costs about as
 * much as its largest budget. The same errors, checked for every budget before any
 * work; on failure every @out is left empty.
 */
int tm_selection_solve_curve(const struct tm_selection_problem *problem, const double *budgets,
			     size_t n_budgets, enum tm_selection_method method,
			     struct tm_selection *out, struct tm_error *err);

/*
 * tm_selection_score - the objective of networks @chosen[0..n_chosen-1] of
 * @problem in *@objective, and per-task best values in @task_value (n_tasks,
 * may be NULL). TM_ERR_INPUT when they leave a task unsolved, TM_ERR_USAGE
 * for an index out of range.
 */
int tm_selection_score(const struct tm_selection_problem *problem, const size_t *chosen,
		       size_t n_chosen, double *objective, double *task_value,
		       struct tm_error *err);

/*
 * tm_selection_translate - for each network @chosen[i] of @from, the index
 * of the network of @to with the same tasks and cost, in @mapped[i] (used to
 * score choices made on validation losses with test losses). TM_ERR_INPUT
 * when the task counts differ or a network has no counterpart.
 */
int tm_selection_translate(const struct tm_selection_problem *from,
			   const struct tm_selection_problem *to, const size_t *chosen,
			   size_t n_chosen, size_t *mapped, struct tm_error *err);

/* ---- candidates --------------------------------------------------------------- */

/*
 * tm_selection_losses_parse - read Standley et al.'s per-network losses from
 * @text (@length bytes; @name is used in messages): tab-separated, one line
 * per network, an empty field where the network does not solve the task.
 * Line 1 holds n half-size single-task networks (cost 0.5 each, networks
 * 0..n-1); the next 2^n - 1 lines hold one full-size network (cost 1) per
 * non-empty subset of the tasks, each subset exactly once, in any order
 * (networks n, n+1, ... in line order). Losses must be finite and >= 0.
 * Task names default to s,d,n,k,e for 5 columns (the Taskonomy order of the
 * shared data) and t0, t1, ... otherwise. TM_ERR_INPUT with
 * "NAME:LINE: what is wrong" for any deviation. *@out is new.
 */
int tm_selection_losses_parse(const char *text, size_t length, const char *name,
			      struct tm_selection_problem **out, struct tm_error *err);

/* tm_selection_losses_read - tm_selection_losses_parse on file @path (TM_ERR_IO if unreadable). */
int tm_selection_losses_read(const char *path, struct tm_selection_problem **out,
			     struct tm_error *err);

/*
 * tm_selection_hoa - Standley et al.'s higher-order approximation from
 * pairs: a copy of @problem in which every cost-1 network S with three or
 * more tasks has, for t in S, value mean over u in S\{t} of the value of
 * task t in the cost-1 network {t, u}; other networks keep their values.
 * TM_ERR_INPUT when a needed pair network is missing. *@out is new.
 */
int tm_selection_hoa(const struct tm_selection_problem *problem,
		     struct tm_selection_problem **out, struct tm_error *err);

/*
 * tm_selection_from_affinity - TAG's selection problem from the
 * @n_rows x @n_columns row-major matrix @affinity, where affinity[i][j] is
 * Z(i -> j), the effect of task i on task j (the diagonal is ignored): cost-1
 * candidate groups G with value of t in G = -(mean over j in G\{t} of
 * Z(j -> t)), and 0 for a group of one. Up to TM_SELECTION_ALL_GROUPS_TASKS
 * tasks every non-empty group is a candidate (network g - 1 = mask g);
 * beyond, the candidates are generated (problem->candidates = 1): the
 * singletons, pairs (all of them up to 200 tasks, else each task's 4 best
 * sources), the nodes of an average-linkage merge tree on the symmetrised
 * affinity, the groups of the @n_partitions partitions @labels
 * (n_partitions x n_tasks group labels, -1 = task in no group; may be
 * NULL), each once, ordered by size, then by mask; its seeds for HEURISTIC
 * are the best merge-tree cuts into 1..64 groups (family 0) and each
 * partition (family p + 1), see docs/methods.md. @names
 * may be NULL. TM_ERR_NOMEM beyond memory (every group: (8 n + 16) 2^n bytes,
 * 184 MB at 20 tasks, 5.5 MB at 16; candidates: about 8 n^2 (n + 2) bytes for
 * n <= 200 tasks, 21 MB at 159).
 * TM_ERR_INPUT for a non-square matrix or a non-finite off-diagonal entry.
 */
int tm_selection_from_affinity(const double *affinity, size_t n_rows, size_t n_columns,
			       const char *const *names, const int64_t *labels,
			       size_t n_partitions, struct tm_selection_problem **out,
			       struct tm_error *err);

#endif
