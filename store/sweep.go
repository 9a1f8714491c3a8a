package store

import "bytes"

// sweep deletes the records of bucket that verdict marks, walking the
// bucket in key order in transactions that look at most batch records each,
// so that a sweep over a large bucket never holds writers up for long.
// verdict says of one record whether to delete it and whether the sweep is
// done (the records after it are all kept). It returns how many went.
func (s *Store) sweep(bucket []byte, batch int, verdict func(k, v []byte) (del, stop bool, err error)) (int, error) {
	total := 0
	var from []byte
	for {
		more := false
		var old [][]byte
		err := s.Update("system", func(t *Tx) error {
			old, more = old[:0], false
			c := t.b(bucket).Cursor()
			seen := 0
			for k, v := c.Seek(from); k != nil; k, v = c.Next() {
				if seen == batch {
					more, from = true, bytes.Clone(k)
					break
				}
				seen++
				del, stop, err := verdict(k, v)
				if err != nil {
					return err
				}
				if stop {
					break
				}
				if del {
					old = append(old, bytes.Clone(k))
				}
			}
			for _, k := range old {
				if err := t.b(bucket).Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(old)
		if !more {
			return total, nil
		}
	}
}
