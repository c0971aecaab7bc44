package transporttest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/transport"
)

func TestSinkStoresRecognisesDuplicatesAndFails(t *testing.T) {
	s := NewSink()
	ctx := context.Background()
	f := transport.File{Partner: "p", Key: "m1", Data: []byte("UNB...")}
	r, err := s.Store(ctx, f)
	require.NoError(t, err)
	assert.False(t, r.Duplicate)
	again, err := s.Store(ctx, f)
	require.NoError(t, err)
	assert.True(t, again.Duplicate)
	assert.Equal(t, r.ID, again.ID)
	other, err := s.Store(ctx, transport.File{Partner: "q", Key: "m1"})
	require.NoError(t, err)
	assert.False(t, other.Duplicate, "the key is unique per partner")

	s.FailNext(1)
	_, err = s.Store(ctx, transport.File{Partner: "p", Key: "m2"})
	assert.ErrorIs(t, err, ErrInjected)
	_, err = s.Store(ctx, transport.File{Partner: "p", Key: "m2"})
	require.NoError(t, err, "a failed store keeps nothing")
	assert.Len(t, s.Files(), 3)

	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	assert.NoError(t, s.Wait(wctx, 3))
	assert.Error(t, s.Wait(wctx, 4))
}
