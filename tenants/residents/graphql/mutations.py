"""The residents registry takes no writes from vendors: 異動 are entered and approved by staff at the
counter (届出 and 審査), so there is no ``Mutation`` here. Writes that vendors legitimately make (the
滞納管理 payment write-back) belong to their own applications."""

Mutation = None
