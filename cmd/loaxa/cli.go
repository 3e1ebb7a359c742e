package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
)

// errHelp ends a command that printed its help: exit 0.
var errHelp = errors.New("help shown")

// flags is one subcommand's FlagSet with its help text.
type flags struct {
	*flag.FlagSet
	e     *env
	name  string // "loaxa notice add"
	usage string // the arguments after the name
	about string // what it does, a few lines
	vars  []string
	scope *scope // --commune/--province, when communeScope added them
	oa    bool   // the prelude builds the client of the commune's OA (zaloFlags)
}

// newFlags makes the FlagSet of the command path, with --db; vars are the
// environment variables that apply, listed by --help.
func newFlags(e *env, name, usage, about string, vars ...string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := &flags{FlagSet: fs, e: e, name: name, usage: usage, about: about, vars: append([]string{"LOAXA_DB"}, vars...)}
	fs.StringVar(&e.db, "db", e.db, "tệp cơ sở dữ liệu SQLite")
	return f
}

func (f *flags) help(w io.Writer) {
	fmt.Fprintf(w, "Cách dùng: %s %s\n\n%s\n\nTùy chọn:\n", f.name, f.usage, f.about)
	f.VisitAll(func(fl *flag.Flag) {
		name, usage := flag.UnquoteUsage(fl)
		line := "  --" + fl.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%-26s %s", line, usage)
		if fl.DefValue != "" && fl.DefValue != "false" && fl.DefValue != "0" && fl.Name != "db" {
			fmt.Fprintf(w, " (mặc định: %s)", fl.DefValue)
		}
		fmt.Fprintln(w)
	})
	envHelp(w, f.vars)
}

var flagErr = []struct {
	re   *regexp.Regexp
	text string
}{
	{regexp.MustCompile(`^flag provided but not defined: -+(.*)$`), "không có tùy chọn --$1"},
	{regexp.MustCompile(`^flag needs an argument: -+(.*)$`), "tùy chọn --$1 cần một giá trị"},
	{regexp.MustCompile(`^invalid (?:value|boolean value) "(.*)" for (?:flag )?-+([^:]*):.*$`), "giá trị \"$1\" của --$2 không hợp lệ"},
	{regexp.MustCompile(`^bad flag syntax: (.*)$`), "viết sai tùy chọn $1"},
}

// parse parses args, allowing flags before and after positional arguments,
// and checks the number of positional arguments (want; -1 for any).
func (f *flags) parse(args []string, want int) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.help(f.e.stdout)
				return nil, errHelp
			}
			msg := err.Error()
			for _, fe := range flagErr {
				if fe.re.MatchString(msg) {
					msg = fe.re.ReplaceAllString(msg, fe.text)
					break
				}
			}
			return nil, usagef("%s: %s; xem %s --help", f.name, msg, f.name)
		}
		args = f.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	if want >= 0 && len(pos) != want {
		if len(pos) < want {
			return nil, usagef("%s: thiếu tham số; cách dùng: %s %s", f.name, f.name, f.usage)
		}
		return nil, usagef("%s: thừa tham số %q; cách dùng: %s %s", f.name, pos[want], f.name, f.usage)
	}
	return pos, nil
}

// open loads the configuration the data commands need (the zone and
// LOAXA_SELF_APPROVE) and opens the database with the production Open,
// which migrates it and refuses a newer schema.
func (e *env) open(ctx context.Context) (*notices.Store, Config, error) {
	cfg, err := loadConfig(e.getenv)
	if cfg.Location == nil {
		return nil, cfg, err
	}
	s, err := openStore(ctx, e.db, notices.Options{Location: cfg.Location, Logger: zerolog.Nop(), Commune: cfg.Commune})
	if err == nil {
		// Say when things go out by the daemon's rules, not this shell's.
		if cfg, err = e.daemonRules(ctx, s, cfg); err != nil {
			s.Close()
			return nil, cfg, err
		}
	}
	return s, cfg, err
}

// openStore opens the database at path with the production Open, which
// migrates it and refuses a newer schema, and says in one line what went
// wrong and the way out: the one place the commands and the daemon open
// the store.
func openStore(ctx context.Context, path string, opts notices.Options) (*notices.Store, error) {
	s, err := notices.Open(ctx, path, opts)
	if err == nil {
		return s, nil
	}
	var tooNew *notices.SchemaTooNewError
	if errors.As(err, &tooNew) {
		return nil, fmt.Errorf("cơ sở dữ liệu %s ở phiên bản lược đồ %d, mới hơn bản loaxa này (chỉ biết đến %d); hãy nâng cấp loaxa",
			path, tooNew.DBVersion, tooNew.Known)
	}
	if msg := damagedMessage(path, err); msg != "" {
		return nil, errors.New(msg)
	}
	return nil, fmt.Errorf("không mở được cơ sở dữ liệu %s (%w); hãy kiểm tra đường dẫn --db và quyền ghi", path, err)
}

// damagedMessage explains a damaged database file in one line, with the
// way out; "" for any other error.
func damagedMessage(path string, err error) string {
	var dmg *notices.DamagedError
	if !errors.As(err, &dmg) {
		return ""
	}
	return fmt.Sprintf("tệp %s không phải cơ sở dữ liệu SQLite hoặc đã hỏng (%v); hãy khôi phục bản sao lưu gần nhất: "+
		"dừng loaxa, chép tệp sao lưu đè lên tệp này, rồi chạy lại (docs/RELIABILITY.md)", path, dmg.Err)
}

// explain turns a store error into one line for the command line: field
// errors are prefixed by the flag that set the field (flagOf; fields not
// in it by their own name).
func explain(err error, flagOf map[string]string) error {
	var fes notices.FieldErrors
	if !errors.As(err, &fes) {
		return err
	}
	parts := make([]string, len(fes))
	for i, fe := range fes {
		name, ok := flagOf[fe.Field]
		if !ok {
			name = fe.Field
		}
		if name == "" {
			parts[i] = fe.Msg
		} else {
			parts[i] = name + ": " + fe.Msg
		}
	}
	return errors.New(strings.Join(parts, " "))
}

// row prints cells separated by two spaces, padded to widths (in runes).
func row(w io.Writer, widths []int, cells ...string) {
	var b strings.Builder
	for i, c := range cells {
		b.WriteString(c)
		if i < len(cells)-1 && i < len(widths) {
			if pad := widths[i] - len([]rune(c)); pad > 0 {
				b.WriteString(strings.Repeat(" ", pad))
			}
			b.WriteString("  ")
		}
	}
	fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
}

// table collects rows, then prints them with each column as wide as its
// widest cell, so that a long cell never pushes the columns after it out
// of line.
type table [][]string

func (t *table) add(cells ...string) { *t = append(*t, cells) }

func (t table) print(w io.Writer) {
	var widths []int
	for _, r := range t {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, r := range t {
		row(w, widths, r...)
	}
}
