/*
 * step.c - the per-batch pieces every training loop of trainer/ shares:
 * building a batch of standardised inputs from dataset rows (dense rows or
 * CSR rows, in reusable buffers), and one optimisation step from the
 * forward pass of a batch (weights, loss, backward, optimiser, weighting).
 * Used by the recorded training of train.c and the in-memory fits of fit.c,
 * so both train exactly the same way. Declared in model.h.
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tm_batch_init(struct tm_batch *batch, const struct tm_features *features,
		  size_t max_rows, struct tm_error *err)
{
	memset(batch, 0, sizeof(*batch));
	batch->features = features;
	batch->max_rows = max_rows;
	if (!(batch->row_start = calloc(max_rows + 1, sizeof(size_t))))
		goto nomem;
	if (features->is_sparse) {
		batch->capacity = max_rows * 16;
		if (!(batch->cols = malloc(batch->capacity * sizeof(uint32_t))) ||
		    !(batch->values = malloc(batch->capacity * sizeof(float))))
			goto nomem;
	} else {
		size_t n = max_rows * features->n_cols;

		if (!(batch->dense = malloc((n ? n : 1) * sizeof(float))))
			goto nomem;
	}
	return 0;
nomem:
	tm_batch_release(batch);
	return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the batch buffers");
}

void tm_batch_release(struct tm_batch *batch)
{
	if (!batch)
		return;
	free(batch->dense);
	free(batch->row_start);
	free(batch->cols);
	free(batch->values);
	memset(batch, 0, sizeof(*batch));
}

static int grow_sparse(struct tm_batch *batch, size_t need, struct tm_error *err)
{
	size_t capacity = batch->capacity ? batch->capacity : 16;
	uint32_t *cols;
	float *values;

	while (capacity < need)
		capacity *= 2;
	if (!(cols = realloc(batch->cols, capacity * sizeof(uint32_t))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	batch->cols = cols;
	if (!(values = realloc(batch->values, capacity * sizeof(float))))
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory");
	batch->values = values;
	batch->capacity = capacity;
	return 0;
}

int tm_batch_build(struct tm_batch *batch, const struct tm_mlp *mlp, const size_t *rows,
		   size_t n, struct tm_mlp_input *x, struct tm_error *err)
{
	const struct tm_features *f = batch->features;
	const float *shift = mlp->shift, *scale = mlp->scale;
	size_t nnz = 0, d = f->n_cols;
	int rc;

	memset(x, 0, sizeof(*x));
	x->n_rows = n;
	if (!f->is_sparse) {
		for (size_t i = 0; i < n; i++) {
			const float *in = f->dense + rows[i] * d;
			float *out = batch->dense + i * d;

			for (size_t j = 0; j < d; j++)
				out[j] = (in[j] - shift[j]) * scale[j];
		}
		x->dense = batch->dense;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		nnz += f->row_start[rows[i] + 1] - f->row_start[rows[i]];
	if (nnz > batch->capacity && (rc = grow_sparse(batch, nnz, err)) < 0)
		return rc;
	nnz = 0;
	for (size_t i = 0; i < n; i++) {
		batch->row_start[i] = nnz;
		for (size_t k = f->row_start[rows[i]]; k < f->row_start[rows[i] + 1]; k++, nnz++) {
			batch->cols[nnz] = f->col_index[k];
			batch->values[nnz] = f->values[k] * scale[f->col_index[k]];
		}
	}
	batch->row_start[n] = nnz;
	x->row_start = batch->row_start;
	x->col_index = batch->cols;
	x->values = batch->values;
	return 0;
}

/*
 * sum_over_ranks - the global batch's gradients, per-task losses and loss
 * from every rank's part (a no-op for one process).
 */
static void sum_over_ranks(struct tm_step *step, double *loss)
{
	const struct tm_parallel *p = step->parallel;

	if (!p || p->size < 2)
		return;
	tm_parallel_sum_floats(p, step->mlp->gradients, step->mlp->n_parameters);
	tm_parallel_sum_doubles(p, step->task_loss, step->mlp->n_tasks);
	tm_parallel_sum_doubles(p, loss, 1);
}

int tm_step_update(struct tm_step *step, const struct tm_mlp_input *x, const int8_t *labels,
		   const float *logits, double *loss, struct tm_error *err)
{
	size_t n = x->n_rows, T = step->mlp->n_tasks;

	tm_weighting_batch(step->weighting, n, labels, logits, step->pos_weight, step->parallel,
			   step->weight);
	if (step->task_scale)
		for (size_t i = 0; i < n; i++)
			for (size_t t = 0; t < T; t++)
				step->weight[i * T + t] *= step->task_scale[t];
	*loss = tm_mlp_loss(step->mlp, n, labels, step->weight, step->dlogits, step->task_loss,
			    step->task_bce);
	if (step->affinity) { /* one process only (tm_trainer_check_config) */
		int rc;

		if (!isfinite(*loss))
			return tm_error_set(err, TM_ERR_NUMERIC, "the training loss is not finite"
					    " (diverged): try a smaller --lr");
		rc = tm_affinity_observe(step->affinity, step->mlp, step->optimizer, x, labels,
					 step->weight, step->dlogits, step->task_loss, err);
		if (rc < 0)
			return rc;
	}
	if (n)
		tm_mlp_backward(step->mlp, x, step->dlogits);
	else /* no rows of the global batch on this rank: it adds nothing */
		memset(step->mlp->gradients, 0, step->mlp->n_parameters * sizeof(float));
	sum_over_ranks(step, loss);
	if (!isfinite(*loss))
		return tm_error_set(err, TM_ERR_NUMERIC,
				    "the training loss is not finite (diverged): try a smaller --lr");
	if (step->affinity)
		tm_affinity_heads(step->affinity, step->mlp);
	tm_optimizer_step(step->optimizer, step->mlp->parameters, step->mlp->gradients);
	tm_weighting_step(step->weighting, step->task_loss);
	return 0;
}
