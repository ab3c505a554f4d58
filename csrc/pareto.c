/*
 * Non-dominated sorting by peeling fronts, without allocation.
 *
 * Front k is the set of minimal points (those no other point dominates) of
 * the pool, the points in none of the fronts 0..k-1. Each pass builds front k
 * as a skyline ("block nested loop"): the points of the pool are visited in
 * index order and compared with the front built so far; a point dominated by
 * a member is out, otherwise it joins and evicts the members it dominates.
 * Dominance being transitive, what remains at the end of the pass is exactly
 * the set of minimal points.
 *
 * The output array `rank` doubles as the work state:
 *   rank[i] >= 0             point i is in front rank[i] (final);
 *   rank[i] == -1            point i is in the pool, no dominator known;
 *   rank[i] == -2 - j        point i is in the pool and point j dominates it
 *                            (0 <= j < n: the values -1 - n .. -2);
 *   rank[i] == -2 - n - next point i is a member of the front being built,
 *                            `next` is the next member of that linked list
 *                            (0 <= next <= n, n ending the list).
 * A remembered dominator that is still in the pool settles a point in O(1)
 * at every later pass, so a point is compared again only after its
 * dominator was peeled off.
 */
#include "pareto.h"

#include <math.h>

#define NO_HINT (-1)

/* 1 iff point a dominates point b (m objectives, minimised). */
BBOPT_INLINE int dominates(const double *BBOPT_RESTRICT a,
                           const double *BBOPT_RESTRICT b, intptr_t m) {
    int strict = 0;
    for (intptr_t t = 0; t < m; ++t) {
        if (a[t] > b[t]) {
            return 0;
        }
        strict |= a[t] < b[t];
    }
    return strict;
}

/* Always inlined, so each call below with a constant m gets its own loops. */
BBOPT_INLINE void peel(intptr_t n, intptr_t m, const double *values,
                       intptr_t max_rank, int64_t *rank) {
    const int64_t hint0 = -2;              /* "dominated by j": hint0 - j */
    const int64_t link0 = -2 - (int64_t)n; /* "member, then next": link0 - next */
    intptr_t n_left = n;                   /* points in the pool */
    for (intptr_t i = 0; i < n; ++i) {
        rank[i] = NO_HINT;
    }
    for (int64_t k = 0; k < (int64_t)max_rank && n_left > 0; ++k) {
        intptr_t head = n; /* first member of front k so far; n: none */
        for (intptr_t i = 0; i < n; ++i) {
            const int64_t r = rank[i];
            if (r >= 0) {
                continue; /* in an earlier front */
            }
            if (r != NO_HINT && rank[hint0 - r] < 0) {
                continue; /* its dominator is still in the pool */
            }
            const double *x = values + i * m;
            intptr_t prev = n; /* last member kept before `member`; n: none */
            intptr_t member = head;
            int dominated = 0;
            while (member != n) {
                const intptr_t next = (intptr_t)(link0 - rank[member]);
                const double *y = values + member * m;
                if (dominates(y, x, m)) {
                    /* The front is an antichain, so i evicted nobody yet. */
                    rank[i] = hint0 - member;
                    dominated = 1;
                    break;
                }
                if (dominates(x, y, m)) {
                    rank[member] = hint0 - i; /* evicted, back to the pool */
                    if (prev == n) {
                        head = next;
                    } else {
                        rank[prev] = link0 - next;
                    }
                } else {
                    prev = member;
                }
                member = next;
            }
            if (!dominated) {
                rank[i] = link0 - head;
                head = i;
            }
        }
        while (head != n) {
            const intptr_t next = (intptr_t)(link0 - rank[head]);
            rank[head] = k;
            --n_left;
            head = next;
        }
    }
    if (n_left > 0) {
        for (intptr_t i = 0; i < n; ++i) {
            if (rank[i] < 0) {
                rank[i] = (int64_t)max_rank;
            }
        }
    }
}

int bbopt_nondominated_rank(intptr_t n, intptr_t m, const double *values,
                            intptr_t max_rank, int64_t *rank) {
    if (n < 0 || m < 1 || max_rank < 0) {
        return BBOPT_ERR_SIZE;
    }
    for (intptr_t i = 0; i < n * m; ++i) {
        if (isnan(values[i])) {
            return BBOPT_ERR_NAN;
        }
    }
    switch (m) {
    case 1:
        peel(n, 1, values, max_rank, rank);
        break;
    case 2:
        peel(n, 2, values, max_rank, rank);
        break;
    case 3:
        peel(n, 3, values, max_rank, rank);
        break;
    default:
        peel(n, m, values, max_rank, rank);
        break;
    }
    return BBOPT_OK;
}
