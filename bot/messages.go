package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Group messages (GMF, zalo-oa-api.md §3) and image uploads (§2).

type groupRecipient struct {
	GroupID string `json:"group_id"`
}

type groupMessage struct {
	Recipient groupRecipient `json:"recipient"`
	Message   messageBody    `json:"message"`
}

type messageBody struct {
	Text       string      `json:"text,omitempty"`
	Attachment *attachment `json:"attachment,omitempty"`
}

type attachment struct {
	Type    string            `json:"type"`
	Payload attachmentPayload `json:"payload"`
}

type attachmentPayload struct {
	TemplateType string         `json:"template_type"`
	Elements     []mediaElement `json:"elements"`
}

type mediaElement struct {
	MediaType    string `json:"media_type"`
	AttachmentID string `json:"attachment_id"`
}

type sendAnswer struct {
	MessageID flexString `json:"message_id"`
	GroupID   flexString `json:"group_id"`
}

// SendGroupText posts text (at most Zalo's 2,000 characters after NFC,
// notices.MaxMessageRunes, which is where notices splits a message) to a
// group the OA owns and returns Zalo's message_id. An error for which
// errors.Is(err, ErrOutcomeUnknown) holds means the message may have been
// delivered: reconcile with GroupConversation before sending again.
func (c *Client) SendGroupText(ctx context.Context, groupID, text string) (messageID string, err error) {
	return c.sendGroup(ctx, "send group text", groupID, messageBody{Text: text})
}

// SendGroupImage posts an uploaded image (see UploadImage) with an optional
// caption. Attachments expire after about 7 days (-100, ClassReupload).
func (c *Client) SendGroupImage(ctx context.Context, groupID, attachmentID, caption string) (messageID string, err error) {
	return c.sendGroup(ctx, "send group image", groupID, messageBody{
		Text: caption,
		// S5 and 1:1 sends use "template"; S3 shows "image" (§11.3).
		Attachment: &attachment{Type: "template", Payload: attachmentPayload{
			TemplateType: "media",
			Elements:     []mediaElement{{MediaType: "image", AttachmentID: attachmentID}},
		}},
	})
}

func (c *Client) sendGroup(ctx context.Context, op, groupID string, msg messageBody) (string, error) {
	var ans sendAnswer
	cl := call{
		op:     op,
		method: http.MethodPost,
		path:   "/v3.0/oa/group/message",
		body:   groupMessage{Recipient: groupRecipient{GroupID: groupID}, Message: msg},
		send:   true,
		group:  groupID,
	}
	if msg.Attachment == nil {
		b, err := c.textMessage(groupID, msg.Text)
		if err != nil {
			return "", fmt.Errorf("%s: encode the request: %w", op, err)
		}
		cl.body, cl.encoded = nil, b
	}
	err := c.do(ctx, cl, &ans)
	if err != nil {
		return "", err
	}
	if ans.MessageID == "" {
		return "", &unknownOutcome{fmt.Errorf("%s: %w: success without message_id", op, ErrMalformedAnswer)}
	}
	return string(ans.MessageID), nil
}

// textMessage is the JSON of a text message to groupID, byte for byte what
// json.Marshal makes of its groupMessage (TestTextMessageIsMarshalled),
// with the text's JSON kept from the last call: a fan-out sends the same
// text to every group, and marshalling 1.2 kB of it for each was a tenth
// of the client's time per send (BenchmarkFanout10k).
func (c *Client) textMessage(groupID, text string) ([]byte, error) {
	enc := c.lastText.Load()
	if enc == nil || enc.text != text {
		j, err := json.Marshal(text)
		if err != nil {
			return nil, err
		}
		enc = &encodedText{text: text, json: j}
		c.lastText.Store(enc)
	}
	g, err := json.Marshal(groupID)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(`{"recipient":{"group_id":},"message":{"text":}}`)+len(g)+len(enc.json))
	b = append(append(append(b, `{"recipient":{"group_id":`...), g...), `},"message":{`...)
	if text != "" { // omitempty
		b = append(append(b, `"text":`...), enc.json...)
	}
	return append(b, `}}`...), nil
}

// encodedText is a text and its JSON.
type encodedText struct {
	text string
	json []byte
}

type uploadAnswer struct {
	AttachmentID flexString `json:"attachment_id"`
}

// UploadImage uploads a jpg or png (at most 1 MB) as multipart field "file"
// and returns its attachment_id. Upload again for each announcement: assets
// expire after about 7 days. An upload that times out is not "outcome
// unknown": a second upload costs quota but shows nothing to residents.
func (c *Client) UploadImage(ctx context.Context, filename string, data []byte) (attachmentID string, err error) {
	var ans uploadAnswer
	err = c.do(ctx, call{
		op:     "upload image",
		method: http.MethodPost,
		path:   "/v2.0/oa/upload/image",
		file:   &uploadFile{field: "file", name: filename, data: data},
	}, &ans)
	if err != nil {
		return "", err
	}
	if ans.AttachmentID == "" {
		return "", fmt.Errorf("upload image: %w: success without attachment_id", ErrMalformedAnswer)
	}
	return string(ans.AttachmentID), nil
}
