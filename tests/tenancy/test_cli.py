"""`kyodo town ...` from the command line (run in-process against the test database)."""

import pytest

from kyodo.cli import main as kyodo_main
from kyodo.tenancy.models import Municipality


def test_town_create_list_suspend_resume(committed, capsys):
    committed.towns.append("412091")  # cleaned up afterwards
    code = kyodo_main(["town", "create", "--code", "412091", "--name", "嬉野市", "--kana", "ウレシノシ",
                       "--prefecture", "佐賀県", "--host", "ureshino.test", "--apps", "residents"])
    out = capsys.readouterr().out
    assert code == 0 and "構築しました: 嬉野市 (412091) schema=town_412091 hosts=ureshino.test" in out
    assert kyodo_main(["town", "list"]) == 0
    assert "412091\t嬉野市\t佐賀県\tactive\tresidents\tureshino.test" in capsys.readouterr().out
    assert kyodo_main(["town", "suspend", "--code", "412091", "--reason", "点検"]) == 0
    assert Municipality.objects.get(code="412091").status == "suspended"
    assert kyodo_main(["town", "resume", "--code", "412091", "--reason", "点検終了"]) == 0
    assert Municipality.objects.get(code="412091").status == "active"


@pytest.mark.parametrize("argv,message", [
    (["--code", "412092", "--name", "嬉野市", "--kana", "ウレシノシ"], "エラー [code]: 団体コード 412092 の検査数字"),
    (["--code", "412066", "--name", "武雄市", "--kana", "タケオシ"], "エラー [code]: 団体コード 412066 は既に登録されています"),
    (["--code", "412091", "--name", "嬉野市", "--kana", "ウレシノシ", "--host", "takeo.test"],
     "エラー [hosts]: ホスト名「takeo.test」は既に他の団体が使用しています"),
])
def test_town_create_errors_name_the_field_and_exit_2(committed, capsys, argv, message):
    assert kyodo_main(["town", "create", *argv]) == 2
    assert message in capsys.readouterr().err
    assert not Municipality.objects.filter(code="412091").exists()


def test_town_apps_sets_exactly_the_listed_applications(committed, capsys):
    committed.towns.append("412091")
    assert kyodo_main(["town", "create", "--code", "412091", "--name", "嬉野市", "--kana", "ウレシノシ",
                       "--apps", "residents"]) == 0
    assert kyodo_main(["town", "apps", "--code", "412091", "--apps", "residents,nhi"]) == 0
    assert "嬉野市 (412091): residents,nhi" in capsys.readouterr().out
    assert Municipality.objects.get(code="412091").enabled_applications == ["residents", "nhi"]
    assert kyodo_main(["town", "apps", "--code", "412091", "--apps", "residents,no-such-app"]) == 2
    assert "エラー [applications]: 不明な業務アプリケーション: no-such-app" in capsys.readouterr().err
    assert kyodo_main(["town", "apps", "--code", "412091", "--apps", " , "]) == 2
    assert "エラー [apps]" in capsys.readouterr().err
    assert Municipality.objects.get(code="412091").enabled_applications == ["residents", "nhi"]
    assert kyodo_main(["town", "apps", "--code", "419999", "--apps", "residents"]) == 2
