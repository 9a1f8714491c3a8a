package handlers

import (
	"io"
	"strconv"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

func (h *Handler) registerAttachments(r fiber.Router) {
	r.Get("/attachments/:id", h.downloadAttachment)
	r.Post("/attachments/:id/delete", h.deleteAttachment)
}

// attachmentManagePerm is the permission to delete attachments of an owner
// type; modules with attachments add theirs.
var attachmentManagePerm = map[string]model.Perm{
	"customer": model.PermManageCustomers,
}

// readUpload reads the uploaded file of a form field, at most
// model.MaxAttachmentSize bytes, with its cleaned name. A missing or oversized
// file is a field error on that field.
func readUpload(c *fiber.Ctx, field string) (string, []byte, error) {
	return readUploadMax(c, field, model.MaxAttachmentSize)
}

// readUploadMax is readUpload with another size limit (imports).
func readUploadMax(c *fiber.Ctx, field string, limit int64) (string, []byte, error) {
	fh, err := c.FormFile(field)
	if err != nil {
		return "", nil, model.Invalid(field, "err.required")
	}
	if fh.Size > limit {
		return "", nil, model.Invalid(field, "err.file_too_big")
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return "", nil, err
	}
	return model.CleanFileName(fh.Filename), data, nil
}

func itoa(id uint64) string { return strconv.FormatUint(id, 10) }

// saveUpload reads the "file" field, checks its size and sniffed type, and
// stores it as an attachment of (ownerType, ownerID) belonging to customerID
// (0: enterprise-internal). Errors are field errors on "file".
func (h *Handler) saveUpload(c *fiber.Ctx, ownerType string, ownerID, customerID uint64) error {
	name, data, err := readUpload(c, "file")
	if err != nil {
		return err
	}
	ctype, err := model.CheckAttachment(name, int64(len(data)), data[:min(512, len(data))])
	if err != nil {
		return err
	}
	a := &model.Attachment{CustomerID: customerID, OwnerType: ownerType, OwnerID: ownerID, Name: name, ContentType: ctype}
	_, err = h.store.AttachFile(h.actor(c, c.FormValue("_idem")), a, data)
	return err
}

// downloadAttachment serves a file the user's scope may read, always as a
// download (never rendered inline) with its checked type and nosniff.
func (h *Handler) downloadAttachment(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var a *model.Attachment
	var data []byte
	if err := h.read(func(t *store.Tx) error {
		a, data, err = t.Attachment(h.scope(c), id)
		return err
	}); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, a.ContentType)
	c.Set(fiber.HeaderContentDisposition, attachmentDisposition(a.Name))
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(data)
}

// deleteAttachment removes an attachment of a record the user may change.
func (h *Handler) deleteAttachment(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var a *model.Attachment
	if err := h.read(func(t *store.Tx) error {
		a, err = t.AttachmentInfo(h.scope(c), id)
		return err
	}); err != nil {
		return err
	}
	if err := need(c, attachmentManagePerm[a.OwnerType]); err != nil {
		return err
	}
	if _, err := h.store.RemoveAttachment(h.actor(c, ""), id, a.OwnerType, a.OwnerID); err != nil {
		return err
	}
	h.setFlash(c, "flash.deleted")
	return h.redirect(c, "/"+a.OwnerType+"s/"+itoa(a.OwnerID)+"#attachments")
}
