from mdtable.cli import main

FRUIT = "name,qty,price\napple,3,0.5\nkiwi,12,0.25\n"


def table(tmp_path, capsys, text, *options):
    source = tmp_path / "t.csv"
    source.write_text(text)
    assert main([str(source), *options]) == 0
    return capsys.readouterr().out


def test_right_aligned_number_columns(tmp_path, capsys):
    assert table(tmp_path, capsys, FRUIT, "--align", "l,r,r") == (
        "| name  | qty | price |\n"
        "| :---- | --: | ----: |\n"
        "| apple |   3 |   0.5 |\n"
        "| kiwi  |  12 |  0.25 |\n"
    )


def test_columns_not_listed_stay_as_before(tmp_path, capsys):
    assert table(tmp_path, capsys, FRUIT, "--align", "r") == (
        "|  name | qty | price |\n"
        "| ----: | --- | ----- |\n"
        "| apple | 3   | 0.5   |\n"
        "|  kiwi | 12  | 0.25  |\n"
    )


def test_centred_column_with_another_separator(tmp_path, capsys):
    assert table(tmp_path, capsys, "id;code\n7;ab\n", "--sep", ";", "--align", "l,c") == (
        "| id  | code |\n"
        "| :-- | :--: |\n"
        "| 7   |  ab  |\n"
    )
