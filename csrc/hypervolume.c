/*
 * Exact hypervolume (see hypervolume.h).
 */
#include "hypervolume.h"

#include <math.h>
#include <string.h>

intptr_t bbopt_hypervolume_work_size(intptr_t n, intptr_t m) {
    intptr_t levels = m > 3 ? m - 3 : 0;
    return n * m * (levels + 2) + 1;
}

/* Stable bottom-up merge sort of n rows of width m by column `key`,
 * ascending (descending with `descending`), through `tmp` (n * m). */
static void sort_rows(double *rows, intptr_t n, intptr_t m, intptr_t key,
                      int descending, double *tmp) {
    double *src = rows, *dst = tmp;
    for (intptr_t width = 1; width < n; width *= 2) {
        for (intptr_t lo = 0; lo < n; lo += 2 * width) {
            intptr_t mid = lo + width < n ? lo + width : n;
            intptr_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            intptr_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                double a = src[i * m + key], b = src[j * m + key];
                int take_right = descending ? (b > a) : (b < a);
                const double *from = take_right ? &src[(j++) * m] : &src[(i++) * m];
                memcpy(&dst[(k++) * m], from, (size_t)m * sizeof(double));
            }
            if (i < mid)
                memcpy(&dst[k * m], &src[i * m], (size_t)((mid - i) * m) * sizeof(double));
            else if (j < hi)
                memcpy(&dst[k * m], &src[j * m], (size_t)((hi - j) * m) * sizeof(double));
        }
        double *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != rows)
        memcpy(rows, src, (size_t)(n * m) * sizeof(double));
}

/* Two objectives: rows (x, y, ...) of width m, sorted here by x. */
static double hv2(double *rows, intptr_t n, intptr_t m, const double *ref, double *tmp) {
    sort_rows(rows, n, m, 0, 0, tmp);
    double volume = 0.0, top = ref[1];
    for (intptr_t i = 0; i < n; ++i) {
        double x = rows[i * m], y = rows[i * m + 1];
        if (y < top) {
            volume += (ref[0] - x) * (top - y);
            top = y;
        }
    }
    return volume;
}

/* Three objectives: a sweep in z order over the 2-d staircase of the points
 * seen so far (x ascending, y descending), kept in a treap (a binary search
 * tree on x, heap-ordered on a hash of the node index) so that finding a
 * point's neighbours and removing the points it dominates cost O(log n)
 * expected. Nodes live in caller-owned arrays: `node_xy` (2 n doubles),
 * `child` (2 n indices, -1 for none). */
typedef struct {
    double *xy;
    int64_t *child; /* child[2 i] left, child[2 i + 1] right */
} treap;

static uint64_t priority(int64_t i) { /* splitmix64: a fixed pseudo-random order */
    uint64_t z = (uint64_t)i + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Split the tree at `root` into keys < x (*lo) and keys >= x (*hi). */
static void treap_split(treap *t, int64_t root, double x, int64_t *lo, int64_t *hi) {
    if (root < 0) { *lo = *hi = -1; return; }
    if (t->xy[2 * root] < x) {
        treap_split(t, t->child[2 * root + 1], x, &t->child[2 * root + 1], hi);
        *lo = root;
    } else {
        treap_split(t, t->child[2 * root], x, lo, &t->child[2 * root]);
        *hi = root;
    }
}

/* Merge two trees, every key of `a` below every key of `b`. */
static int64_t treap_merge(treap *t, int64_t a, int64_t b) {
    if (a < 0) return b;
    if (b < 0) return a;
    if (priority(a) > priority(b)) {
        t->child[2 * a + 1] = treap_merge(t, t->child[2 * a + 1], b);
        return a;
    }
    t->child[2 * b] = treap_merge(t, a, t->child[2 * b]);
    return b;
}

static int64_t treap_min(const treap *t, int64_t root) {
    while (root >= 0 && t->child[2 * root] >= 0) root = t->child[2 * root];
    return root;
}

static int64_t treap_max(const treap *t, int64_t root) {
    while (root >= 0 && t->child[2 * root + 1] >= 0) root = t->child[2 * root + 1];
    return root;
}

/* Remove the smallest key of the tree at `root`; return the new root. */
static int64_t treap_pop_min(treap *t, int64_t root) {
    if (t->child[2 * root] < 0) return t->child[2 * root + 1];
    int64_t parent = root, node = t->child[2 * root];
    while (t->child[2 * node] >= 0) { parent = node; node = t->child[2 * node]; }
    t->child[2 * parent] = t->child[2 * node + 1];
    return root;
}

static double hv3(double *rows, intptr_t n, intptr_t m, const double *ref, double *tmp,
                  int64_t *child) {
    sort_rows(rows, n, m, 2, 0, tmp);
    treap t = {tmp, child}; /* tmp is free again once the rows are sorted */
    int64_t root = -1;
    double area = 0.0, volume = 0.0;
    for (intptr_t i = 0; i < n; ++i) {
        double x = rows[i * m], y = rows[i * m + 1], z = rows[i * m + 2];
        int64_t lo, hi;
        treap_split(&t, root, x, &lo, &hi);
        int64_t pred = treap_max(&t, lo), succ = treap_min(&t, hi);
        int dominated = (pred >= 0 && t.xy[2 * pred + 1] <= y) ||
                        (succ >= 0 && t.xy[2 * succ] == x && t.xy[2 * succ + 1] <= y);
        if (!dominated) {
            double upper = pred >= 0 ? t.xy[2 * pred + 1] : ref[1];
            double cur_x = x;
            while (succ >= 0 && t.xy[2 * succ + 1] >= y) { /* (x, y) dominates succ */
                area += (t.xy[2 * succ] - cur_x) * (upper - y);
                upper = t.xy[2 * succ + 1];
                cur_x = t.xy[2 * succ];
                hi = treap_pop_min(&t, hi);
                succ = treap_min(&t, hi);
            }
            area += ((succ >= 0 ? t.xy[2 * succ] : ref[0]) - cur_x) * (upper - y);
            t.xy[2 * i] = x;
            t.xy[2 * i + 1] = y;
            t.child[2 * i] = t.child[2 * i + 1] = -1;
            hi = treap_merge(&t, i, hi);
        }
        root = treap_merge(&t, lo, hi);
        double next_z = i + 1 < n ? rows[(i + 1) * m + 2] : ref[2];
        volume += area * (next_z - z);
    }
    return volume;
}

/* Keep the rows (first k of width m, objectives 0..d-1) that no other row
 * weakly dominates (duplicates keep one copy); returns the new count. */
static intptr_t nondominated(double *rows, intptr_t k, intptr_t m, intptr_t d) {
    intptr_t kept = 0;
    for (intptr_t i = 0; i < k; ++i) {
        const double *p = &rows[i * m];
        int dominated = 0;
        for (intptr_t j = 0; j < k && !dominated; ++j) {
            if (j == i) continue;
            const double *q = &rows[j * m];
            int le = 1, lt = 0;
            for (intptr_t t = 0; t < d; ++t) {
                if (q[t] > p[t]) { le = 0; break; }
                if (q[t] < p[t]) lt = 1;
            }
            /* equal rows: the later one goes */
            dominated = le && (lt || j < i);
        }
        if (!dominated) {
            if (kept != i) memmove(&rows[kept * m], p, (size_t)m * sizeof(double));
            ++kept;
        }
    }
    return kept;
}

/* Hypervolume of k rows in the first d objectives (rows modified). `work`
 * holds k * m doubles per level below d = 3 plus k * m for sorting. */
static double hv_rec(double *rows, intptr_t k, intptr_t m, intptr_t d,
                     const double *ref, double *work, int64_t *child) {
    if (k == 0) return 0.0;
    if (d == 1) {
        double best = rows[0];
        for (intptr_t i = 1; i < k; ++i) if (rows[i * m] < best) best = rows[i * m];
        return ref[0] - best;
    }
    if (d == 2) return hv2(rows, k, m, ref, work);
    if (d == 3) return hv3(rows, k, m, ref, work, child);
    /* WFG: sort by the last objective, worst first; the points after i are
     * no worse than i in it, so i's limit set lies in one slice of depth
     * ref[d-1] - p_i[d-1], and is (d - 1)-dimensional. */
    sort_rows(rows, k, m, d - 1, 1, work);
    double *limit = work;
    double *below = work + k * m;
    double volume = 0.0;
    for (intptr_t i = 0; i < k; ++i) {
        const double *p = &rows[i * m];
        double incl = 1.0;
        for (intptr_t t = 0; t < d - 1; ++t) incl *= ref[t] - p[t];
        intptr_t n_limit = 0;
        for (intptr_t j = i + 1; j < k; ++j) {
            const double *q = &rows[j * m];
            double *l = &limit[n_limit * m];
            for (intptr_t t = 0; t < d - 1; ++t) l[t] = q[t] > p[t] ? q[t] : p[t];
            ++n_limit;
        }
        n_limit = nondominated(limit, n_limit, m, d - 1);
        double excl = incl - hv_rec(limit, n_limit, m, d - 1, ref, below, child);
        volume += excl * (ref[d - 1] - p[d - 1]);
    }
    return volume;
}

int bbopt_hypervolume(intptr_t n, intptr_t m, const double *points,
                      const double *reference, double *work, intptr_t n_work,
                      int64_t *index_work, intptr_t n_index_work, double *out) {
    if (n < 0 || m < 1 || n_work < bbopt_hypervolume_work_size(n, m) ||
        n_index_work < 2 * n)
        return BBOPT_ERR_SIZE;
    for (intptr_t t = 0; t < m; ++t)
        if (isnan(reference[t])) return BBOPT_ERR_NAN;
    for (intptr_t i = 0; i < n * m; ++i)
        if (isnan(points[i])) return BBOPT_ERR_NAN;
    /* the points that strictly dominate the reference */
    double *rows = work;
    intptr_t k = 0;
    for (intptr_t i = 0; i < n; ++i) {
        const double *p = &points[i * m];
        int inside = 1;
        for (intptr_t t = 0; t < m; ++t)
            if (!(p[t] < reference[t])) { inside = 0; break; }
        if (inside) memcpy(&rows[(k++) * m], p, (size_t)m * sizeof(double));
    }
    if (m >= 4) k = nondominated(rows, k, m, m);
    *out = hv_rec(rows, k, m, m, reference, work + n * m, index_work);
    return BBOPT_OK;
}
