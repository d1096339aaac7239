from mdtable.cli import main
from mdtable.render import render_table


def test_render_pads_columns():
    assert render_table(["a", "bb"], [["xxxx", "y"]]) == (
        "| a    | bb  |\n"
        "| ---- | --- |\n"
        "| xxxx | y   |\n"
    )


def test_main_with_separator(tmp_path, capsys):
    source = tmp_path / "t.csv"
    source.write_text("name;qty\nkiwi;12\n")
    assert main([str(source), "--sep", ";"]) == 0
    assert capsys.readouterr().out == "| name | qty |\n| ---- | --- |\n| kiwi | 12  |\n"
