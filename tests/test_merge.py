"""Code blocks read by what the model meant: a Python block that names some of a file's definitions is merged into
the file by name (AST spans), keeping everything it leaves out byte for byte."""

from __future__ import annotations

import ast
from pathlib import Path

from tools.blocks import merged_edits, whole_files
from tools.merge import defined_names, looks_like_fragment, looks_like_whole_file, merge_definitions

CART = (Path(__file__).parent.parent / "examples/shopcart/shopcart/cart.py").read_text()
BUGGY = "return sum(item.price_cents for item in self.items)"
FIXED = "return sum(item.price_cents * item.quantity for item in self.items)"

# The file from the real 1.5B samples (/work/shared/model-samples): the function first, its docstring after it.
GCD = '''def gcd(a, b):
    if b == 0:
        return a
    else:
        return gcd(a % b, b)


"""
Input:
    a: A nonnegative int
    b: A nonnegative int

Example:
    >>> gcd(35, 21)
    7

"""
'''

PRICING = '''"""Prices after discounts and tax."""

from decimal import Decimal

TAX_RATE = Decimal("0.2")  # VAT, set by finance


def with_tax(cents: int) -> int:
    # Round half up: the till does.
    return int(Decimal(cents) * (1 + TAX_RATE))


@functools.cache
def discounted(cents: int, percent: int) -> int:
    return cents - cents * percent // 100


if __name__ == "__main__":
    print(with_tax(100))
'''

STEP = {"shopcart/cart.py": CART, "shopcart/pricing.py": PRICING}


def outside(text: str, start: str, end: str) -> str:
    """The text with the part from `start` to `end` cut out."""
    head, _, rest = text.partition(start)
    return head + rest.partition(end)[2]


def test_a_block_restating_unchanged_definitions_is_no_edit():
    reply = (
        "The `total_cents` method looks right to me:\n\n```python\nclass Cart:\n"
        "    def total_cents(self) -> int:\n        subtotal = self.subtotal_cents()\n"
        "        return subtotal - subtotal * self.discount_percent // 100\n```\n"
    )
    assert merged_edits(reply, STEP) == {}
    # Formatting is not a change: the same definition written another way restates it.
    assert merge_definitions(GCD, "def gcd(a,b):\n  if b==0: return a\n  else: return gcd(a % b, b)\n") is None
    # Nor is a body left out: `...` is how a model says "unchanged".
    assert merge_definitions(CART, "class Cart:\n    def add(self, sku, price_cents, quantity=1): ...\n") is None


def test_a_block_with_a_syntax_error_is_not_written():
    reply = (
        "Fixed `subtotal_cents`:\n\n```python\nclass Cart:\n    def subtotal_cents(self) -> int:\n"
        "        return sum(item.price_cents * item.quantity for item in self.items\n```\n"
    )
    assert merged_edits(reply, STEP) == {}
    assert merge_definitions(CART, "def subtotal_cents(self):\nreturn 1\n") is None
    assert merge_definitions("def broken(:\n", "def broken():\n    return 1\n") is None
    # Parsing is not enough: the merged file must compile (`nonlocal` with nothing to bind is the compiler's error).
    assert merge_definitions(GCD, "def gcd(a, b):\n    nonlocal a\n    return a\n") is None


def test_definitions_living_in_another_of_the_steps_files_are_merged_there():
    reply = (
        "The bug is in shopcart/cart.py: the tax is applied twice.\n\n```python\n# shopcart/cart.py\n"
        "def with_tax(cents: int) -> int:\n    return round(Decimal(cents) * (1 + TAX_RATE))\n```\n"
    )
    edits = merged_edits(reply, STEP)
    assert list(edits) == ["shopcart/pricing.py"] and edits["shopcart/pricing.py"].replaced == ["with_tax"]
    text = edits["shopcart/pricing.py"].text
    assert "    return round(Decimal(cents) * (1 + TAX_RATE))\n" in text
    # The file's comment above the body is the model's to drop; everything outside the function is kept.
    assert outside(text, "def with_tax", "\n\n\n") == outside(PRICING, "def with_tax", "\n\n\n")
    # A block can land only in one of the step's files, whatever it is labelled.
    hostile = "../../etc/cron.d/x.py\n```python\ndef with_tax(cents):\n    return 0\n```\n"
    assert set(merged_edits(hostile, {**STEP, "notes.md": "def with_tax(): pass\n"})) == {"shopcart/pricing.py"}


def test_methods_are_merged_into_their_class_and_its_other_members_kept():
    reply = (
        "shopcart/cart.py\n```python\nclass Cart:\n    # every unit counts\n"
        f"    def subtotal_cents(self) -> int:\n        {FIXED}\n```\n"
    )
    (edit,) = merged_edits(reply, STEP).values()
    assert edit.replaced == ["Cart.subtotal_cents"] and edit.added == []
    assert edit.text == CART.replace(BUGGY, FIXED)  # fields, decorators, `add` and `total_cents` as they were
    # A field restated without its default leaves it alone; a new attribute goes after the others.
    block = "class Cart:\n    items: list[Item]\n    currency: str = 'EUR'\n"
    merged = merge_definitions(CART, block)
    assert merged is not None and merged.added == ["Cart.currency"] and merged.replaced == []
    assert merged.text == CART.replace(
        "discount_percent: int = 0\n", "discount_percent: int = 0\n    currency: str = 'EUR'\n"
    )


def test_a_new_function_is_added_with_the_import_it_needs():
    reply = (
        "Add a helper and use it:\n\n```python\nimport math\nfrom decimal import Decimal, ROUND_HALF_UP\n\n"
        "def with_tax(cents: int) -> int:\n    return rounded(Decimal(cents) * (1 + TAX_RATE))\n\n\n"
        "def rounded(amount):\n    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))\n\n\n"
        "print(with_tax(100))  # 120\n```\n"
    )
    merged = merge_definitions(PRICING, reply.split("```python\n")[1].split("```")[0])
    assert merged is not None and merged.replaced == ["with_tax"] and merged.added == ["rounded"]
    # The new function goes before the `__main__` guard; only the import the new code uses is added, after the
    # file's own; the example `print` is not code for the file.
    assert "from decimal import Decimal\nfrom decimal import ROUND_HALF_UP\n" in merged.text
    assert "import math" not in merged.text and merged.text.count("print(") == 1
    head, guard = merged.text.split('if __name__ == "__main__":')
    assert head.endswith("rounding=ROUND_HALF_UP))\n\n\n") and "\n\n\ndef rounded(amount):" in head
    assert guard == PRICING.split('if __name__ == "__main__":')[1]
    # A new method goes at the end of its class.
    added = merge_definitions(CART, "class Cart:\n    def clear(self) -> None:\n        self.items.clear()\n")
    assert added is not None and added.added == ["Cart.clear"]
    assert added.text == CART + "\n    def clear(self) -> None:\n        self.items.clear()\n"


def test_a_decorated_function_is_replaced_with_its_decorators():
    block = "@functools.lru_cache(maxsize=None)\ndef discounted(cents: int, percent: int) -> int:\n"
    block += "    return cents - (cents * percent + 50) // 100\n"
    merged = merge_definitions(PRICING, block)
    assert merged is not None and merged.replaced == ["discounted"]
    assert "@functools.cache" not in merged.text and merged.text.count("@functools.lru_cache(maxsize=None)\n") == 1
    assert merged.text == PRICING.replace("@functools.cache\n", "@functools.lru_cache(maxsize=None)\n").replace(
        "cents - cents * percent // 100", "cents - (cents * percent + 50) // 100"
    )
    # Given bare, a definition keeps the file's decorators: small models leave them out.
    bare = merge_definitions(PRICING, block.split("\n", 1)[1])
    assert bare is not None and bare.text == merged.text.replace(
        "@functools.lru_cache(maxsize=None)", "@functools.cache"
    )


def test_the_files_docstring_comments_and_imports_are_kept():
    # A reply as the 1.5B writes it: a fence holding only the file name, then the function without the docstring.
    reply = (
        "gcd.py\n```\ngcd.py\n```\n\nHere is the corrected function:\n\n```python\ndef gcd(a, b):\n"
        "    if b == 0:\n        return a\n    else:\n        return gcd(b, a % b)\n```\n"
    )
    (found,) = whole_files(reply, ["gcd.py"])  # what the whole-file reading sees: the file without its docstring
    assert looks_like_fragment(GCD, found.content) and not looks_like_whole_file(GCD, found.content)
    edits = merged_edits(reply, {"gcd.py": GCD, "test_gcd.py": None})
    assert list(edits) == ["gcd.py"] and edits["gcd.py"].text == GCD.replace("gcd(a % b, b)", "gcd(b, a % b)")
    # PRICING keeps its module docstring, its imports and the comment on its constant.
    merged = merge_definitions(PRICING, "TAX_RATE = Decimal('0.25')\n")
    assert merged is not None and merged.replaced == ["TAX_RATE"]
    assert merged.text == PRICING.replace(
        'TAX_RATE = Decimal("0.2")  # VAT, set by finance', "TAX_RATE = Decimal('0.25')"
    )


def test_a_right_fix_after_a_malformed_search_block_is_read():
    reply = (
        "shopcart/cart.py\n```python\n<<<<<<< SEARCH\n        " + BUGGY + "\n>>>>>>> REPLACE\n```\n\n"
        "Or, the whole method:\n```python\n    def subtotal_cents(self) -> int:\n        " + FIXED + "\n```\n"
    )
    assert merged_edits(reply, STEP)["shopcart/cart.py"].text == CART.replace(BUGGY, FIXED)


def test_a_top_level_def_that_is_a_method_in_the_file_goes_into_its_class():
    block = (
        "def total_cents(self) -> int:\n"
        '    """The total after the discount.\n\n    Rounded down, as the till does.\n    """\n'
        "    subtotal = self.subtotal_cents()\n"
        '    note = """keep\nthis"""\n'
        "    return subtotal - subtotal * self.discount_percent // 100 - len(note) * 0\n"
    )
    merged = merge_definitions(CART, block)
    assert merged is not None and merged.replaced == ["Cart.total_cents"]
    method = merged.text.split("    def total_cents")[1]
    # Moved four spaces in, docstring with it; a string's own lines keep their text, which is its value.
    assert method.startswith("(self) -> int:\n")
    assert (
        '        """The total after the discount.\n\n        Rounded down, as the till does.\n        """\n' in method
    )
    assert '        note = """keep\nthis"""\n' in method
    assert ast.parse(merged.text) and merged.text.startswith(CART.split("    def total_cents")[0])
    # A method name two classes share is not guessed.
    two = CART + "\n\nclass Wishlist:\n    def total_cents(self) -> int:\n        return 0\n"
    assert merge_definitions(two, block) is None


def test_a_block_mixing_a_changed_and_an_unchanged_function_replaces_only_the_changed():
    reply = (
        "shopcart/pricing.py\n```python\ndef with_tax(cents: int) -> int:\n"
        "    return int(Decimal(cents) * (1 + TAX_RATE))\n\n"
        "def discounted(cents: int, percent: int) -> int:\n    return cents - cents * min(percent, 100) // 100\n```\n"
    )
    (edit,) = merged_edits(reply, STEP).values()
    assert edit.replaced == ["discounted"]
    # `with_tax` as the file has it, with its comment the block left out.
    assert edit.text == PRICING.replace("cents * percent // 100", "cents * min(percent, 100) // 100")


def test_whole_files_are_told_from_fragments():
    names = defined_names(CART)
    assert names == {"Item", "Cart", "Cart.add", "Cart.subtotal_cents", "Cart.total_cents"}
    assert defined_names("def broken(:\n") == set()
    whole = CART.replace(BUGGY, FIXED)
    assert looks_like_whole_file(CART, whole) and not looks_like_fragment(CART, whole)
    # A whole-file block is left to the whole-file rules, which judge its likeness.
    assert merged_edits(f"shopcart/cart.py\n```python\n{whole}```\n", STEP) == {}
    # A class restated with a method left out is a part, even where the class is all the file has.
    only_cart = "@dataclass\nclass Cart" + CART.split("@dataclass\nclass Cart")[1]
    assert looks_like_fragment(only_cart, "class Cart:\n    def add(self):\n        pass\n")
    # Code naming nothing the file defines is not a fragment of it: a new file, or a rewrite.
    assert not looks_like_fragment(CART, "def unrelated():\n    return 1\n")
    assert looks_like_fragment(CART, f"    def subtotal_cents(self) -> int:\n        {FIXED}\n")


def test_line_endings_and_a_file_without_a_final_newline_are_kept():
    crlf = PRICING.replace("\n", "\r\n")
    merged = merge_definitions(crlf, "def discounted(cents, percent):\n    return cents\n")
    assert merged is not None and "\n" not in merged.text.replace("\r\n", "")
    bare = merge_definitions("def f():\n    return 1", "def g():\n    return f()\n")
    assert bare is not None and bare.text == "def f():\n    return 1\n\n\ndef g():\n    return f()\n"
