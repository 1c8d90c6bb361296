/*
 * optimizer.c - the two optimisers of the trainer, Adam (Kingma & Ba 2015,
 * Algorithm 1, with bias correction) and SGD with momentum (PyTorch's form
 * v = mu v + g, theta -= lr v), both with L2 weight decay added to the
 * gradient, and their state as bytes for checkpoints.
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define ADAM_EPSILON 1e-8

int tm_optimizer_create(struct tm_optimizer **out, enum tm_optimizer_kind kind,
			size_t n, double learning_rate, double momentum,
			double weight_decay, struct tm_error *err)
{
	struct tm_optimizer *o = calloc(1, sizeof(*o));

	*out = NULL;
	if (!o || !(o->first = calloc(n ? n : 1, sizeof(float))) ||
	    (kind == TM_OPTIMIZER_ADAM && !(o->second = calloc(n ? n : 1, sizeof(float))))) {
		tm_optimizer_destroy(o);
		return tm_error_set(err, TM_ERR_NOMEM, "out of memory for the optimiser");
	}
	o->kind = kind;
	o->n = n;
	o->learning_rate = learning_rate;
	o->momentum = momentum;
	o->weight_decay = weight_decay;
	*out = o;
	return 0;
}

void tm_optimizer_destroy(struct tm_optimizer *optimizer)
{
	if (!optimizer)
		return;
	free(optimizer->first);
	free(optimizer->second);
	free(optimizer);
}

static void adam_step(struct tm_optimizer *o, float *restrict theta, const float *restrict g)
{
	float *restrict m = o->first, *restrict v = o->second;
	double t = (double)o->steps;
	float b1 = (float)ADAM_BETA1, b2 = (float)ADAM_BETA2, decay = (float)o->weight_decay;
	/* bias corrections folded into the step size (Kingma & Ba, end of section 2) */
	float step = (float)(o->learning_rate * sqrt(1 - pow(ADAM_BETA2, t)) /
			     (1 - pow(ADAM_BETA1, t)));
	float epsilon = (float)(ADAM_EPSILON * sqrt(1 - pow(ADAM_BETA2, t)));

	for (size_t k = 0; k < o->n; k++) {
		float gk = g[k] + decay * theta[k];

		m[k] = b1 * m[k] + (1 - b1) * gk;
		v[k] = b2 * v[k] + (1 - b2) * gk * gk;
		theta[k] -= step * m[k] / (sqrtf(v[k]) + epsilon);
	}
}

static void sgd_step(struct tm_optimizer *o, float *restrict theta, const float *restrict g)
{
	float *restrict velocity = o->first;
	float mu = (float)o->momentum, lr = (float)o->learning_rate;
	float decay = (float)o->weight_decay;

	for (size_t k = 0; k < o->n; k++) {
		velocity[k] = mu * velocity[k] + g[k] + decay * theta[k];
		theta[k] -= lr * velocity[k];
	}
}

void tm_optimizer_step(struct tm_optimizer *optimizer, float *parameters,
		       const float *gradients)
{
	optimizer->steps++;
	if (optimizer->kind == TM_OPTIMIZER_ADAM)
		adam_step(optimizer, parameters, gradients);
	else
		sgd_step(optimizer, parameters, gradients);
}

/* Bytes: uint64 kind, n, steps; then first (and second for Adam). */
size_t tm_optimizer_bytes(const struct tm_optimizer *optimizer)
{
	size_t arrays = optimizer->kind == TM_OPTIMIZER_ADAM ? 2 : 1;

	return 3 * sizeof(uint64_t) + arrays * optimizer->n * sizeof(float);
}

void tm_optimizer_save(const struct tm_optimizer *optimizer, void *bytes)
{
	uint64_t head[3] = { (uint64_t)optimizer->kind, optimizer->n, optimizer->steps };
	char *p = bytes;

	memcpy(p, head, sizeof(head));
	memcpy(p + sizeof(head), optimizer->first, optimizer->n * sizeof(float));
	if (optimizer->second)
		memcpy(p + sizeof(head) + optimizer->n * sizeof(float), optimizer->second,
		       optimizer->n * sizeof(float));
}

int tm_optimizer_load(struct tm_optimizer *optimizer, const void *bytes,
		      size_t n_bytes, struct tm_error *err)
{
	uint64_t head[3];
	const char *p = bytes;

	if (n_bytes != tm_optimizer_bytes(optimizer))
		return tm_error_set(err, TM_ERR_INPUT, "the optimiser state has the wrong size");
	memcpy(head, p, sizeof(head));
	if (head[0] != (uint64_t)optimizer->kind || head[1] != optimizer->n)
		return tm_error_set(err, TM_ERR_INPUT, "the optimiser state belongs to another optimiser");
	optimizer->steps = head[2];
	memcpy(optimizer->first, p + sizeof(head), optimizer->n * sizeof(float));
	if (optimizer->second)
		memcpy(optimizer->second, p + sizeof(head) + optimizer->n * sizeof(float),
		       optimizer->n * sizeof(float));
	return 0;
}
