package main

import (
	"context"
	"errors"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// Every data command starts the same way, in the same order: parse the
// command line, check it (a usage error must leave the database untouched:
// exit 2, nothing opened), open the store with the configuration, and
// resolve --commune/--province. prelude is that order, once.

// opened is what a data command works on once its prelude has run. The
// command closes it.
type opened struct {
	s   *notices.Store
	cfg Config
	pos []string         // the positional arguments
	c   *notices.Commune // the commune chosen; nil for --province, or when the command has no --commune
	oa  *bot.Client      // the client of c's OA, for a command made by zaloFlags
	// oaKey names c's OA in the reconnect command a client's errors give:
	// c's code when --commune was given (a database of several communes
	// needs it), else "".
	oaKey string
}

func (o *opened) Close() error { return o.s.Close() }

// prelude parses args (want positional arguments, -1 for any), runs check
// (may be nil) before anything is opened, opens the store, and resolves
// the scope that communeScope added to f, unless check set its skip; for
// a command made by zaloFlags it then builds the client of the commune's
// OA. On an error nothing is left open.
func (f *flags) prelude(ctx context.Context, args []string, want int, check func(pos []string) error) (*opened, error) {
	pos, err := f.parse(args, want)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(pos); err != nil {
			return nil, err
		}
	}
	s, cfg, err := f.e.open(ctx)
	if err != nil {
		return nil, err
	}
	o := &opened{s: s, cfg: cfg, pos: pos}
	if f.scope != nil && !f.scope.skip {
		if o.c, err = f.scope.resolve(ctx, s); err != nil {
			s.Close()
			return nil, err
		}
		if o.c != nil && f.scope.given() {
			o.oaKey = o.c.Code
		}
	}
	if f.oa {
		if cfg.ZaloAppID == "" {
			s.Close()
			return nil, errors.New("ZALO_APP_ID và ZALO_APP_SECRET chưa đặt; hãy đặt chúng theo ứng dụng của OA trên developers.zalo.me")
		}
		o.oa = newClient(cfg, s.CommuneTokens(o.c.ID), o.oaKey, zerolog.Nop())
	}
	return o, nil
}

// zaloFlags is newFlags for a command that talks to a commune's OA: with
// --commune, and the OA's client built by the prelude.
func zaloFlags(e *env, name, usage, about string, vars ...string) *flags {
	f := newFlags(e, name, usage, about, vars...)
	communeScope(f, false)
	f.oa = true
	return f
}

// noticePrelude is the prelude of a command on one notice, SỐ: the number
// is checked before anything is opened, and with --commune/--province the
// notice must belong to the scope chosen.
func (f *flags) noticePrelude(ctx context.Context, args []string, checks ...func() error) (*opened, int64, error) {
	var id int64
	o, err := f.prelude(ctx, args, 1, func(pos []string) error {
		var err error
		if id, err = parseNoticeID(f, pos[0]); err != nil {
			return err
		}
		for _, check := range checks {
			if err := check(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if f.scope != nil && f.scope.given() {
		if err := noticeInScope(ctx, o.s, o.c, id); err != nil {
			o.Close()
			return nil, 0, err
		}
	}
	return o, id, nil
}
