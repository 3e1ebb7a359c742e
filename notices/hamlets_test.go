package notices_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

func TestHamletRefusals(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1") // code khom-1, group grp-a
	tests := []struct {
		h    notices.Hamlet
		want notices.FieldErrors
	}{
		{notices.Hamlet{Name: "Khóm 2", GroupID: "grp-a"}, notices.FieldErrors{{Field: "group_id",
			Msg: `Nhóm Zalo "grp-a" đã gắn với Khóm 1 (khom-1); mỗi thôn/ấp cần một nhóm riêng, hãy kiểm tra lại mã nhóm.`}}},
		{notices.Hamlet{Name: "Khóm một", Code: "khom-1", GroupID: "grp-b"}, notices.FieldErrors{{Field: "code",
			Msg: `Mã "khom-1" đã dùng cho "Khóm 1"; hãy đặt mã khác.`}}},
		{notices.Hamlet{Name: "", GroupID: "grp-b"}, notices.FieldErrors{{Field: "name",
			Msg: `Tên thôn/ấp không được để trống; hãy nhập tên, ví dụ "Khóm 1".`}}},
		{notices.Hamlet{Name: "Khóm 3", GroupID: ""}, notices.FieldErrors{{Field: "group_id",
			Msg: "Chưa có mã nhóm Zalo; hãy nhập mã nhóm (group_id) của nhóm Zalo của thôn/ấp."}}},
		{notices.Hamlet{Name: "Khóm 3", Code: "Khóm_3", GroupID: "g"}, notices.FieldErrors{{Field: "code",
			Msg: `Mã "khóm_3" không hợp lệ; mã chỉ gồm chữ thường không dấu, số và dấu '-', tối đa 40 ký tự.`}}},
	}
	before := counts(t, rawDB(t, path))
	for _, tt := range tests {
		h := tt.h
		err := s.CreateHamlet(ctx, "test", &h)
		if fe := (notices.FieldErrors{}); !errors.As(err, &fe) || !reflect.DeepEqual(fe, tt.want) {
			t.Errorf("CreateHamlet(%+v) = %v; want %v", tt.h, err, tt.want)
		}
	}
	if after := counts(t, rawDB(t, path)); !reflect.DeepEqual(after, before) {
		t.Errorf("rows after refusals = %v; want %v", after, before)
	}
}

func TestImportHamletsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1")
	before := counts(t, rawDB(t, path))
	batch := []notices.Hamlet{
		{Name: "Ấp Đông Hòa", GroupID: "g-1"},
		{Name: "Ấp Tây", GroupID: "g-2"},
		{Name: "Ấp Bắc", GroupID: "grp-a"}, // taken by Khóm 1
	}
	err := s.ImportHamlets(ctx, "test", batch)
	var re *notices.RowError
	if !errors.As(err, &re) || re.Row != 2 || re.Err[0].Field != "group_id" {
		t.Fatalf("ImportHamlets = %v; want a group_id RowError at row 2", err)
	}
	if after := counts(t, rawDB(t, path)); !reflect.DeepEqual(after, before) {
		t.Errorf("rows after refused import = %v; want %v", after, before)
	}
	err = s.ImportHamlets(ctx, "test", []notices.Hamlet{{Name: "A", GroupID: "x"}, {Name: "B", GroupID: "x"}})
	if !errors.As(err, &re) || re.Row != 1 {
		t.Errorf("ImportHamlets with a repeated group = %v; want RowError at row 1", err)
	}
	batch[2].GroupID = "g-3"
	if err := s.ImportHamlets(ctx, "test", batch); err != nil {
		t.Fatal(err)
	}
	hs, _ := s.Hamlets(ctx)
	var codes []string
	for _, h := range hs {
		codes = append(codes, h.Code)
	}
	if want := []string{"ap-bac", "ap-dong-hoa", "ap-tay", "khom-1"}; !reflect.DeepEqual(codes, want) {
		t.Errorf("codes = %v; want %v", codes, want)
	}
}

func TestSyncAndUpdateHamlets(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	addHamlets(t, s, "Khóm 1", "Khóm 2") // grp-a, grp-b
	res, err := s.SyncHamlets(ctx, "cli", []notices.Group{{ID: "grp-a", Name: "Nhóm Khóm 1"}, {ID: "z-9", Name: "Khóm 1"}, {ID: "z-10", Name: ""}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Known != 1 || len(res.Added) != 2 || res.Added[0].Code != "khom-1-2" || res.Added[1].Code != "nhom-z-10" ||
		len(res.Missing) != 1 || res.Missing[0].Code != "khom-2" {
		t.Errorf("SyncHamlets = %+v", res)
	}
	h, err := s.HamletByCode(ctx, "khom-2")
	if err != nil {
		t.Fatal(err)
	}
	h.Name = "Khóm Hai"
	if err := s.UpdateHamlet(ctx, "cli", h); err != nil {
		t.Fatal(err)
	}
	if err := s.SetHamletActive(ctx, "cli", "khom-2", false); err != nil {
		t.Fatal(err)
	}
	got, _ := s.HamletByID(ctx, h.ID)
	if got.Name != "Khóm Hai" || got.Active {
		t.Errorf("after update = %+v", got)
	}
	n := notices.Notice{Title: "t", Targets: []string{"khom-1"}, Source: notices.SourceCLI}
	if err := s.CreateNotice(ctx, &n); err != nil {
		t.Fatal(err)
	}
	k1, _ := s.HamletByCode(ctx, "khom-1")
	k1.Code = "khom-mot"
	if err := s.UpdateHamlet(ctx, "cli", k1); err == nil {
		t.Error("renaming the code of a targeted hamlet succeeded")
	}
}
