package sftp

import (
	"slices"
	"sort"
)

// maxRanges bounds the separate ranges a byteRanges keeps. A client has at
// most a few dozen requests in flight, so its transfer has about as many
// gaps at any time; more are a client scattering bytes on purpose.
const maxRanges = 1024

// byteRanges records which bytes of a file were transferred, as sorted,
// disjoint and non-touching [start, end) ranges. pkg/sftp's request
// server hands on the reads and writes of one file out of order and in
// parallel, so the progress of a transfer is not a single offset.
type byteRanges []byteRange

type byteRange struct{ start, end int64 }

// add records [off, off+n), merging it with the ranges it overlaps or
// touches. It reports false, and records nothing, when that would make
// more than maxRanges ranges.
func (r *byteRanges) add(off, n int64) bool {
	if n <= 0 {
		return true
	}
	merged := byteRange{off, off + n}
	ranges := *r
	first := sort.Search(len(ranges), func(i int) bool { return ranges[i].end >= merged.start })
	last := first
	for last < len(ranges) && ranges[last].start <= merged.end {
		merged.start = min(merged.start, ranges[last].start)
		merged.end = max(merged.end, ranges[last].end)
		last++
	}
	if first == last && len(ranges) >= maxRanges {
		return false
	}
	*r = slices.Replace(ranges, first, last, merged)
	return true
}

// covers reports whether every byte of [0, size) was recorded.
func (r byteRanges) covers(size int64) bool {
	return size <= 0 || len(r) > 0 && r[0].start == 0 && r[0].end >= size
}
