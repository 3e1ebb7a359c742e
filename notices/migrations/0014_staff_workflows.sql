-- loaxa schema, version 14: the staff site's everyday workflows (issue 12):
-- templates for routine notices, a staff test group among the hamlets, and
-- pausing a recurring notice. The notices table itself is unchanged, so
-- that the contract of other programs' INSERTs (docs/schema.md) holds as
-- it was; a draft is the 'draft' status 0001 already has, which the daemon
-- never sends (it plans approved notices only).

-- Templates: a routine notice's title, body, category and priority, chosen
-- at compose and managed by the admin.
CREATE TABLE templates (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE CHECK (length(trim(name)) BETWEEN 1 AND 80),
    title       TEXT    NOT NULL CHECK (length(trim(title)) BETWEEN 1 AND 200),
    body        TEXT    NOT NULL CHECK (length(body) <= 20000),
    category    TEXT    NOT NULL DEFAULT 'chung' CHECK (length(category) BETWEEN 1 AND 40),
    priority    TEXT    NOT NULL DEFAULT 'normal' CHECK (priority IN ('urgent', 'normal', 'low')),
    created_at  TEXT    NOT NULL DEFAULT (datetime('now')),
    updated_at  TEXT    NOT NULL DEFAULT (datetime('now'))
);

INSERT INTO templates (name, title, body, category, priority) VALUES
('Cắt điện', 'Lịch cắt điện ngày …/…',
'Điện lực thông báo tạm ngừng cung cấp điện để bảo trì, sửa chữa lưới điện:
- Thời gian: từ … giờ … đến … giờ …, ngày …/…/….
- Khu vực: ….

Bà con chủ động sắp xếp công việc, bảo quản thực phẩm và thiết bị điện; không đến gần đường dây khi đang thi công. Điện có thể có lại sớm hơn dự kiến mà không báo trước. Xin cảm ơn bà con.',
'điện nước', 'normal'),
('Họp dân', 'Thư mời họp dân ngày …/…',
'Ban nhân dân ấp kính mời đại diện mỗi hộ gia đình đến dự cuộc họp:
- Thời gian: … giờ …, ngày …/…/….
- Địa điểm: ….
- Nội dung: ….

Đề nghị bà con đến đúng giờ và đông đủ. Trân trọng kính mời.',
'họp dân', 'normal'),
('Tiêm chủng', 'Lịch tiêm chủng tháng …',
'Trạm Y tế xã tổ chức tiêm chủng mở rộng:
- Thời gian: từ … giờ, ngày …/…/….
- Địa điểm: Trạm Y tế xã.
- Đối tượng: trẻ em trong độ tuổi tiêm chủng theo phiếu hẹn, phụ nữ có thai.

Khi đi, bà con nhớ mang theo sổ hoặc phiếu tiêm chủng. Trẻ đang sốt, đang bệnh xin báo cho cán bộ y tế trước khi tiêm.',
'y tế', 'normal'),
('Thu gom rác', 'Lịch thu gom rác',
'Xe thu gom rác sẽ đi qua địa bàn vào lúc … giờ, ngày ….

Bà con vui lòng cột kín túi rác và để trước cửa nhà trước giờ xe đến; không đổ rác ra đường, kênh rạch. Chung tay giữ gìn xóm ấp sạch đẹp. Xin cảm ơn bà con.',
'môi trường', 'low');

-- The staff test group: a hamlet whose Zalo group holds staff only. "Gửi
-- thử" sends a notice there before approval; such a send is not a delivery.
-- To keep real notices out of it, turn the hamlet off (active = 0): test
-- sends still reach it.
ALTER TABLE hamlets ADD COLUMN staff_test INTEGER NOT NULL DEFAULT 0 CHECK (staff_test IN (0, 1));

-- A recurring notice's latest pause. While resumed_at is NULL it is paused;
-- an occurrence that falls due between paused_at and resumed_at is recorded
-- as skipped, never sent later.
CREATE TABLE notice_pauses (
    notice_id   INTEGER PRIMARY KEY REFERENCES notices (id),
    paused_at   TEXT    NOT NULL,
    paused_by   TEXT    NOT NULL DEFAULT '',
    resumed_at  TEXT,
    resumed_by  TEXT    NOT NULL DEFAULT ''
);
