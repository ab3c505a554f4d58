/*
 * Non-dominated sorting (Pareto fronts) of points to be minimised.
 */
#ifndef BBOPT_PARETO_H
#define BBOPT_PARETO_H

#include "bbopt_common.h"

/*
 * Rank n points by non-dominated front.
 *
 * values   : (n, m) row-major, every objective minimised; +-inf allowed.
 * max_rank : number of fronts to peel; points not in the first max_rank
 *            fronts get rank max_rank (max_rank = 1 gives the Pareto-set
 *            mask, max_rank = n the full ranking).
 * rank     : (n,) output, rank[i] = index of the front of point i
 *            (0 = Pareto set). Also used as work state: no allocation.
 *
 * Point a dominates b iff a <= b in every objective and a < b in at least
 * one; equal points do not dominate each other and share a front.
 *
 * Returns BBOPT_OK, BBOPT_ERR_SIZE if n < 0, m < 1 or max_rank < 0, or
 * BBOPT_ERR_NAN if a value is NaN (rank is then left untouched).
 * O(1) extra memory. Time: O(n^2 m) for each front peeled in the worst case
 * (one front holding every point), far less on typical data.
 */
int bbopt_nondominated_rank(intptr_t n, intptr_t m, const double *values,
                            intptr_t max_rank, int64_t *rank);

#endif /* BBOPT_PARETO_H */
