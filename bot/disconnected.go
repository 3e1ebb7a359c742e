package bot

import "errors"

// ConnectCommand is the command that connects, or connects again, the OA
// keyed oa (App.Client's key: the commune's code): with several communes
// `loaxa zalo connect` without --commune is a usage error, so it names the
// commune; oa "" (a client of NewClient: the one commune of a database)
// needs no flag. Every text that tells a person to reconnect takes the
// command from here.
func ConnectCommand(oa string) string {
	if oa == "" {
		return "loaxa zalo connect"
	}
	return "loaxa zalo connect --commune " + oa
}

// DisconnectedError is how a client fails while its OA cannot call Zalo:
// Err is ErrReconnect or ErrNotConnected (errors.Is finds it), OA the
// client's key ("" for NewClient's), Detail why (Zalo's refusal), if known.
// Its text, and Reason's, give the command that reconnects that OA.
type DisconnectedError struct {
	Err    error
	OA     string
	Detail string
}

func (e *DisconnectedError) Error() string {
	s := e.Err.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	verb := "reconnect"
	if errors.Is(e.Err, ErrNotConnected) {
		verb = "connect"
	}
	return s + "; " + verb + " the OA with `" + ConnectCommand(e.OA) + "` or the admin site (Kết nối Zalo OA)"
}

func (e *DisconnectedError) Unwrap() error { return e.Err }

// disconnected is the error of every call while c's OA cannot call Zalo.
func (c *Client) disconnected(sentinel error, detail string) error {
	return &DisconnectedError{Err: sentinel, OA: c.oa, Detail: detail}
}

// oaOf is the OA a DisconnectedError in err names; "" when there is none.
func oaOf(err error) string {
	var de *DisconnectedError
	if errors.As(err, &de) {
		return de.OA
	}
	return ""
}
