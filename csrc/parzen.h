/*
 * Parzen-estimator kernels of the TPE sampler: mixtures of truncated normals
 * (continuous or discretised by a step) and of categorical kernels.
 *
 * Notation (all arrays row-major float64):
 *   n_x     number of candidates x (rows of x, x_cat, out);
 *   n_comp  number of mixture components (kernels);
 *   n_dims  number of numeric dimensions, n_cat of categorical ones;
 *   ld      leading dimension of the component arrays: they are stored
 *           dimension-major, (n_dims, ld) with components 0..n_comp-1 in the
 *           first n_comp columns, so that a surrogate can keep them in
 *           buffers with spare capacity and append components in place.
 *
 * Numeric dimension j has bounds low[j] <= high[j] and a step[j] >= 0. With
 * step 0 the kernel of component k is the normal N(mu, sigma) truncated to
 * [low, high]; with step > 0 it is the discrete distribution on the grid
 * low, low + step, ..., high whose mass at x is the normal mass over
 * [x - step/2, x + step/2], normalised over [low - step/2, high + step/2].
 *
 * Categorical dimension c has n_choices[c] >= 1 choices and a spread
 * a = spread[c] >= 0. Component k with choice[c, k] = v >= 0 puts
 * probability (a + [x == v]) / (1 + n a) on choice x (its own choice gets
 * the extra unit, the rest is spread uniformly); a component with
 * choice[c, k] < 0 is uniform, 1 / n.
 *
 * Candidate-independent terms are computed once by bbopt_parzen_prepare and
 * kept by the caller (updated only for new components):
 *   inv_sigma[j, k] = 1 / sigma[j, k]
 *   log_norm[j, k]  = log of the factor that turns the kernel's unnormalised
 *                     term into a log-density:
 *                       step 0: -log(sigma) - log(2 pi) / 2 - log Z
 *                       step>0: -log Z
 *                     with Z the normal mass of the (extended) range;
 *   comp_log_norm[k] = sum over j of log_norm[j, k].
 */
#ifndef BBOPT_PARZEN_H
#define BBOPT_PARZEN_H

#include "bbopt_common.h"

/* Components per block of the mixture kernels: the unit of the optional
 * index of bbopt_parzen_log_pdf. */
#define BBOPT_PARZEN_BLOCK 64
/* Reference points of the shells of bbopt_parzen_log_pdf's index, at most. */
#define BBOPT_PARZEN_MAX_REFS 32

/*
 * out[i] = log(Phi(b[i]) - Phi(a[i])), Phi the standard normal CDF, stable
 * in both tails and for narrow intervals. -inf <= a[i] <= b[i] <= +inf
 * (a == b gives -inf). Returns BBOPT_ERR_SIZE if n < 0, BBOPT_ERR_NAN if an
 * input is NaN, BBOPT_ERR_DOMAIN if some a[i] > b[i].
 */
int bbopt_log_ndtr_diff(intptr_t n, const double *a, const double *b, double *out);

/*
 * Candidate-independent terms of n_comp components over n_dims numeric
 * dimensions (see the header comment).
 *
 * mu, sigma           : (n_dims, ld) inputs, sigma > 0;
 * low, high, step     : (n_dims,), low <= high, step >= 0;
 * inv_sigma, log_norm : (n_dims, ld) outputs (first n_comp columns written);
 * comp_log_norm       : (n_comp,) output.
 *
 * Returns BBOPT_ERR_SIZE if a size is negative or ld < n_comp,
 * BBOPT_ERR_NAN if an input is NaN, BBOPT_ERR_DOMAIN if a sigma is not
 * positive, a step negative or low > high.
 */
int bbopt_parzen_prepare(intptr_t n_dims, intptr_t n_comp, intptr_t ld, const double *mu,
                         const double *sigma, const double *low, const double *high,
                         const double *step, double *inv_sigma, double *log_norm,
                         double *comp_log_norm);

/*
 * Log-density of a multivariate mixture (a product kernel per component,
 * numeric and categorical dimensions in one log-sum-exp):
 *
 *   out[i] = log sum_k exp(log_const[k]
 *                          + sum_j log K_kj(x[i, j])
 *                          + sum_c log P_kc(x_cat[i, c]))
 *
 * where K_kj is the truncated (step 0) or discretised kernel without its
 * normaliser (which the caller puts in log_const[k], typically
 * log(weight[k]) + comp_log_norm[k]) and P_kc the categorical kernel.
 *
 * x          : (n_x, n_dims), inside the bounds (on the grid if step > 0);
 * x_cat      : (n_x, n_cat) choice indices;
 * mu, inv_sigma : (n_dims, ld); step : (n_dims,);
 * shared     : if non-zero, inv_sigma is (n_dims,): one bandwidth per
 *              dimension shared by all components (a faster loop);
 * choice     : (n_cat, ld); n_choices, spread : (n_cat,);
 * log_const  : (n_comp,), -inf allowed (a component of weight 0);
 * log_floor  : (n_x,) or NULL: log-densities of other components the caller
 *              adds to this mixture (e.g. a prior evaluated apart). Blocks of
 *              components whose terms are provably PRUNE_NATS (64) below
 *              max(running maximum, log_floor[i]) are skipped: the density
 *              (plus the floor's) changes by a factor at most
 *              1 + n_comp * exp(-64);
 * n_boxed, n_box_dims, box_dim, box_lo, box_hi, box_radius, n_refs, refs,
 * box_ref : an
 *              index over the components, used only with shared != 0 (else
 *              n_boxed must be 0). Block b < n_boxed is components
 *              [b * BBOPT_PARZEN_BLOCK, (b + 1) * BBOPT_PARZEN_BLOCK)
 *              (n_boxed * BBOPT_PARZEN_BLOCK <= n_comp); box_dim, box_lo and
 *              box_hi are (n_boxed, n_box_dims): every component of block b
 *              has its centre in [box_lo[b, t], box_hi[b, t]] on dimension
 *              box_dim[b, t]; box_radius is (n_boxed, 2): the scaled distance
 *              from the reference point refs[box_ref[b]] (refs is (n_refs,
 *              n_dims), 1 <= n_refs <= BBOPT_PARZEN_MAX_REFS) to each
 *              component of block b lies in [box_radius[b, 0], box_radius[b,
 *              1]] (scaled: each dimension times inv_sigma, or 0 with a
 *              step). A candidate skips a block,
 *              without reading its components, when its distance to that box
 *              or that shell bounds every term of the block PRUNE_NATS below
 *              the threshold above (same guarantee). The caller vouches for
 *              the index. In a box, a dimension with a step counts its
 *              distance less half a step; shells leave such dimensions out.
 *              NULL pointers with n_boxed == 0;
 * out        : (n_x,) output; -inf for every candidate if n_comp == 0.
 *
 * Returns BBOPT_ERR_SIZE, BBOPT_ERR_NAN (NaN in x or x_cat) or
 * BBOPT_ERR_DOMAIN (a step < 0, n_choices < 1, spread < 0 or a box_dim
 * outside [0, n_dims)).
 */
int bbopt_parzen_log_pdf(intptr_t n_x, intptr_t n_comp, intptr_t ld, intptr_t n_dims,
                         intptr_t n_cat, const double *x, const double *x_cat, const double *mu,
                         const double *inv_sigma, int shared, const double *step,
                         const double *choice, const double *n_choices, const double *spread,
                         const double *log_const, const double *log_floor, intptr_t n_boxed,
                         intptr_t n_box_dims, const intptr_t *box_dim, const double *box_lo,
                         const double *box_hi, const double *box_radius, intptr_t n_refs,
                         const double *refs, const intptr_t *box_ref, double *out);

/*
 * Per-dimension (univariate) mixtures of numeric kernels:
 *
 *   out[i, j] = log sum_k exp(log_const[j, k] + log K_kj(x[i, j]))
 *
 * log_const : (n_dims, ld), typically log(weight[k]) + log_norm[j, k].
 * Other arguments and errors as in bbopt_parzen_log_pdf; out is (n_x, n_dims).
 */
int bbopt_parzen_log_pdf_univariate(intptr_t n_x, intptr_t n_comp, intptr_t ld, intptr_t n_dims,
                                    const double *x, const double *mu, const double *inv_sigma,
                                    int shared, const double *step, const double *log_const,
                                    double *out);

/*
 * Per-dimension (univariate) mixtures of categorical kernels:
 *
 *   out[i, c] = log sum_k exp(log_weight[c, k] + log P_kc(x_cat[i, c]))
 *
 * x_cat : (n_x, n_cat); choice, log_weight : (n_cat, ld);
 * n_choices, spread : (n_cat,); out : (n_x, n_cat).
 * Errors as in bbopt_parzen_log_pdf.
 */
int bbopt_parzen_categorical(intptr_t n_x, intptr_t n_comp, intptr_t ld, intptr_t n_cat,
                             const double *x_cat, const double *choice, const double *n_choices,
                             const double *spread, const double *log_weight, double *out);

/*
 * Inverse-CDF draws of truncated normals (the sampling step of a Parzen
 * estimator), elementwise:
 *
 *   a = (lo - mu) / sigma, b = (hi - mu) / sigma,
 *   p = Phi(a) + u[i] (Phi(b) - Phi(a)),
 *   out[i] = clip(mu + sigma * Phi^-1(p), lo, hi)
 *
 * with mu = mu[i] etc.; for p >= 1/2, Phi^-1(p) is computed as -Phi^-1(q)
 * with q = 1 - p = Q(a) - u[i] (Q(a) - Q(b)), Q(z) = Phi(-z), so that p
 * near 1 keeps its precision. All arrays have n elements; sigma > 0,
 * lo <= hi, 0 <= u < 1, finite mu. Returns BBOPT_ERR_SIZE if
 * n < 0, BBOPT_ERR_NAN on a NaN input, BBOPT_ERR_DOMAIN on another value
 * outside its domain.
 */
int bbopt_truncnorm_draw(intptr_t n, const double *mu, const double *sigma, const double *lo,
                         const double *hi, const double *u, double *out);

#endif /* BBOPT_PARZEN_H */
