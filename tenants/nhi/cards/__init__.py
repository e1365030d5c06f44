"""資格確認書 and 資格情報のお知らせ (from 2024-12-02): the rules of validity and 負担割合, the services that
issue, reissue and take back, the PDF, and the pages."""
