/*
 * Exact hypervolume of a set of points to be minimised, bounded by a
 * reference point.
 */
#ifndef BBOPT_HYPERVOLUME_H
#define BBOPT_HYPERVOLUME_H

#include "bbopt_common.h"

/*
 * Number of doubles of workspace that bbopt_hypervolume needs for n points
 * in m objectives: n * m for the filtered, sorted copy, plus n * m per
 * level of dimension reduction (m - 3 levels), plus n * m for merging.
 */
intptr_t bbopt_hypervolume_work_size(intptr_t n, intptr_t m);

/*
 * Hypervolume of the region dominated by `points` and bounded by `reference`.
 *
 * points    : (n, m) row-major, every objective minimised.
 * reference : (m,) the reference point; points that do not strictly
 *             dominate it in every objective contribute nothing.
 * work      : (n_work,) caller-owned workspace, n_work >=
 *             bbopt_hypervolume_work_size(n, m).
 * index_work: (n_index_work,) caller-owned workspace, n_index_work >= 2 n.
 * out       : the hypervolume (0 when no point counts).
 *
 * Algorithms: m = 1 the best distance; m = 2 a sweep in x order, O(n log n);
 * m = 3 a sweep in z order over the 2-d staircase kept in a treap, O(n log n)
 * expected; m >= 4 WFG (While, Bradstreet and
 * Barone 2012, "A fast way of calculating exact hypervolumes"): points sorted
 * by their last objective, each point's exclusive volume from the limit set
 * of the points after it, one dimension less per level, down to the m = 3
 * sweep. Exponential in m in the worst case; practical to m = 6 and a few
 * hundred points.
 *
 * Returns BBOPT_OK, BBOPT_ERR_SIZE (n < 0, m < 1, n_work too small) or
 * BBOPT_ERR_NAN (a NaN in points or reference).
 */
int bbopt_hypervolume(intptr_t n, intptr_t m, const double *points,
                      const double *reference, double *work, intptr_t n_work,
                      int64_t *index_work, intptr_t n_index_work, double *out);

#endif /* BBOPT_HYPERVOLUME_H */
