package sftp

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestByteRangesMergeOutOfOrderTransfers(t *testing.T) {
	var r byteRanges
	assert.True(t, r.covers(0))
	assert.False(t, r.covers(1))
	r.add(20, 10)
	r.add(0, 10)
	assert.False(t, r.covers(30), "a gap at 10")
	assert.Len(t, r, 2)
	r.add(5, 15) // overlaps the first, touches the second
	assert.Equal(t, byteRanges{{0, 30}}, r)
	assert.True(t, r.covers(30))
	assert.False(t, r.covers(31))
	r.add(40, 0)
	assert.Len(t, r, 1, "an empty transfer adds nothing")

	var scattered byteRanges
	for i := range int64(maxRanges) {
		assert.True(t, scattered.add(2*i, 1))
	}
	assert.False(t, scattered.add(2*maxRanges+10, 1), "one range too many")
	assert.True(t, scattered.add(1, 1), "merging still works")
}
