"""Writes sample submissions (a source with (old, new) edits applied) under submissions/ and
appends their [[samples]] entries to submissions/MANIFEST.toml if missing. Shared by the
labs*_make_samples.py generators."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def write_samples(samples):
    """samples: (student, lab, entry, source, verdict, mistake or None, note, [(old, new)])."""
    entries = []
    for student, lab, entry, source, verdict, mistake, note, edits in samples:
        for old, new in edits:
            assert source.count(old) >= 1, f"{student}: {old!r} not found"
            source = source.replace(old, new)
        folder = os.path.join(REPO, "submissions", student, lab)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, entry), "w", encoding="utf-8") as f:
            f.write(source)
        lines = ["[[samples]]", f'student = "{student}"', f'lab = "{lab}"',
                 f'path = "{student}/{lab}"', 'form = "file"', f'files = ["{entry}"]',
                 f'verdict = "{verdict}"']
        if mistake:
            lines.append(f'mistake = "{mistake}"')
        lines.append(f'note = "{note}"')
        entries.append((f'path = "{student}/{lab}"', "\n".join(lines)))
    manifest = os.path.join(REPO, "submissions", "MANIFEST.toml")
    with open(manifest, encoding="utf-8") as f:
        text = f.read()
    missing = [block for key, block in entries if key not in text]
    if missing:
        with open(manifest, "a", encoding="utf-8") as f:
            f.write("\n" + "\n\n".join(missing) + "\n")
    print(f"wrote {len(entries)} samples, appended {len(missing)} manifest entries")
