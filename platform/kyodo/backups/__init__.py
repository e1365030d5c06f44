"""Backups (バックアップ): every town encrypted, secret-shared 2-of-3 across three object stores."""
