package schedule

import (
	"sync"

	"github.com/loaxa/loaxa/notices"
)

// groupTurns sends the claimed deliveries of one group one at a time, in
// the order they were claimed: two notices claimed together for the same
// group (approved in the same second, due in the same second) would
// otherwise go out on two workers at once and could arrive in reverse
// order. A part of a message is claimed only after the part before it was
// sent (the claim's own rule); this orders different messages of one group.
//
// No worker waits for another: a delivery taken from the queue while an
// earlier one of its group is still on the wire is parked, and the worker
// that sends the earlier one sends it next. Groups go on in parallel as
// before.
type groupTurns struct {
	mu     sync.Mutex
	line   map[string][]int64         // each group's claimed deliveries, in claim order
	parked map[int64]notices.Delivery // taken from the queue before their turn came
}

func newGroupTurns() *groupTurns {
	return &groupTurns{line: map[string][]int64{}, parked: map[int64]notices.Delivery{}}
}

// enqueue puts claimed deliveries in their groups' lines, in claim order,
// before they are handed to the workers.
func (t *groupTurns) enqueue(jobs []notices.Delivery) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, j := range jobs {
		t.line[j.GroupID] = append(t.line[j.GroupID], j.ID)
	}
}

// arrive reports whether j, just taken from the queue, may be sent now;
// if not, it is parked for the worker of the delivery before it.
func (t *groupTurns) arrive(j notices.Delivery) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	line := t.line[j.GroupID]
	if len(line) == 0 || line[0] == j.ID {
		return true
	}
	t.parked[j.ID] = j
	return false
}

// done takes j out of its group's line once its outcome is known, and
// returns the next delivery of the group if it was parked (the caller
// sends it now).
func (t *groupTurns) done(j notices.Delivery) (notices.Delivery, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	line := t.line[j.GroupID]
	for i, id := range line {
		if id == j.ID {
			if i == 0 {
				line = line[1:] // the usual case: the head of the line
			} else {
				line = append(line[:i:i], line[i+1:]...)
			}
			break
		}
	}
	if len(line) == 0 {
		delete(t.line, j.GroupID)
		return notices.Delivery{}, false
	}
	t.line[j.GroupID] = line
	next, ok := t.parked[line[0]]
	if ok {
		delete(t.parked, line[0])
	}
	return next, ok
}
