"""Draw the demo stories' lead images and two authors' photos (illustrations,
made here with Pillow).

    python stories/demo/draw_images.py

writes stories/demo/packages/images/*.jpg and stories/demo/packages/authors/*.jpg,
which the demo packages name (image.path, authors[].photo.path) and seed_demo
imports like any package's pictures.
"""

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent / "packages" / "images"
PORTRAITS = Path(__file__).resolve().parent / "packages" / "authors"
PORTRAIT_SIZE = (640, 800)  # 4:5, as portraits are usually framed: shown uncropped
WIDTH, HEIGHT = 1600, 1000
SCALE = 2  # drawn at twice the size, then reduced: smooth edges


def gradient(top, bottom, size=(WIDTH * SCALE, HEIGHT * SCALE)) -> Image.Image:
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / (height - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    return image


def s(*values):
    return [v * SCALE for v in values]


def wind_farm() -> Image.Image:
    image = gradient((250, 170, 110), (70, 110, 170))
    draw = ImageDraw.Draw(image)
    draw.ellipse(s(1180, 430, 1320, 570), fill=(255, 214, 150))
    sea = gradient((40, 80, 130), (15, 35, 70), size=(WIDTH * SCALE, 420 * SCALE))
    image.paste(sea, (0, 580 * SCALE))
    rng = random.Random(4)
    for _ in range(60):
        x, y = rng.randrange(0, WIDTH), rng.randrange(600, HEIGHT)
        draw.line(s(x, y, x + rng.randrange(30, 120), y), fill=(90, 130, 180), width=2 * SCALE)
    for x, height in ((260, 330), (520, 280), (760, 240), (960, 210), (1420, 300)):
        base, hub = 590, 590 - height
        draw.polygon(s(x - 7, base, x + 7, base, x + 3, hub, x - 3, hub), fill=(236, 238, 242))
        for angle in (0, 120, 240):
            a = math.radians(angle + 20)
            tip = (x + math.cos(a) * height * 0.55, hub + math.sin(a) * height * 0.55)
            draw.line(s(x, hub, *tip), fill=(236, 238, 242), width=6 * SCALE)
        draw.ellipse(s(x - 9, hub - 9, x + 9, hub + 9), fill=(250, 250, 250))
    # A fishing boat in the foreground.
    draw.polygon(s(300, 800, 620, 800, 580, 860, 340, 860), fill=(160, 45, 35))
    draw.rectangle(s(420, 730, 520, 800), fill=(235, 230, 220))
    draw.line(s(470, 640, 470, 730), fill=(60, 50, 45), width=5 * SCALE)
    return image


def heat_pump() -> Image.Image:
    image = gradient((214, 232, 244), (246, 238, 226))
    draw = ImageDraw.Draw(image)
    draw.rectangle(s(0, 820, WIDTH, HEIGHT), fill=(120, 150, 100))
    draw.rectangle(s(380, 420, 1000, 820), fill=(226, 200, 170))
    draw.polygon(s(340, 430, 690, 180, 1040, 430), fill=(120, 60, 50))
    for x in (450, 800):
        draw.rectangle(s(x, 500, x + 120, 620), fill=(120, 170, 210))
        draw.line(s(x + 60, 500, x + 60, 620), fill=(240, 240, 240), width=4 * SCALE)
    draw.rectangle(s(640, 640, 740, 820), fill=(70, 90, 110))
    # The heat pump unit beside the wall, its fan, and warm air leaving it.
    draw.rounded_rectangle(s(1080, 610, 1360, 810), radius=14 * SCALE, fill=(245, 246, 248))
    draw.ellipse(s(1120, 640, 1260, 780), fill=(200, 205, 212))
    for angle in range(0, 360, 60):
        draw.pieslice(s(1135, 655, 1245, 765), angle, angle + 30, fill=(120, 126, 136))
    for i, colour in enumerate(((240, 150, 80), (244, 180, 110), (248, 205, 150))):
        y = 560 - i * 50
        draw.arc(s(1150 + i * 30, y - 60, 1330 + i * 30, y + 60), 200, 340, fill=colour,
                 width=8 * SCALE)  # fmt: skip
    return image


def bus_network() -> Image.Image:
    image = gradient((236, 242, 248), (214, 224, 236))
    draw = ImageDraw.Draw(image)
    rng = random.Random(7)
    stops = [(rng.randrange(80, WIDTH - 80), rng.randrange(80, 560)) for _ in range(26)]
    colours = [(11, 92, 173), (194, 65, 12), (22, 130, 90), (120, 70, 160)]
    for colour in colours:
        route = sorted(rng.sample(stops, 7), key=lambda p: p[0])
        draw.line([v * SCALE for p in route for v in p], fill=colour, width=9 * SCALE,
                  joint="curve")  # fmt: skip
    for x, y in stops:
        draw.ellipse(s(x - 12, y - 12, x + 12, y + 12), fill=(255, 255, 255),
                     outline=(40, 45, 55), width=4 * SCALE)  # fmt: skip
    draw.rectangle(s(0, 720, WIDTH, HEIGHT), fill=(70, 74, 82))
    for x in range(40, WIDTH, 160):
        draw.rectangle(s(x, 850, x + 90, 862), fill=(240, 220, 120))
    draw.rounded_rectangle(s(420, 600, 1180, 830), radius=28 * SCALE, fill=(11, 92, 173))
    for x in range(470, 1080, 120):
        draw.rounded_rectangle(s(x, 630, x + 95, 710), radius=8 * SCALE, fill=(200, 226, 246))
    draw.rectangle(s(1090, 630, 1160, 800), fill=(200, 226, 246))
    for x in (560, 1040):
        draw.ellipse(s(x - 45, 790, x + 45, 880), fill=(30, 30, 34))
        draw.ellipse(s(x - 18, 817, x + 18, 853), fill=(170, 170, 176))
    return image


def library() -> Image.Image:
    image = gradient((92, 62, 44), (60, 40, 30))
    draw = ImageDraw.Draw(image)
    rng = random.Random(11)
    spines = [(150, 60, 50), (40, 90, 120), (190, 150, 70), (60, 110, 70), (120, 80, 130),
              (210, 200, 180), (30, 50, 80)]  # fmt: skip
    for shelf in range(4):
        bottom = 260 + shelf * 230
        draw.rectangle(s(60, bottom, WIDTH - 60, bottom + 22), fill=(140, 100, 66))
        x = 80
        while x < WIDTH - 120:
            width, height = rng.randrange(26, 60), rng.randrange(140, 200)
            draw.rectangle(s(x, bottom - height, x + width, bottom), fill=rng.choice(spines))
            draw.line(s(x + 6, bottom - height + 20, x + width - 6, bottom - height + 20),
                      fill=(230, 210, 150), width=3 * SCALE)  # fmt: skip
            x += width + rng.randrange(2, 8)
    # The clock: the evening hours.
    draw.ellipse(s(1290, 40, 1490, 240), fill=(246, 240, 226), outline=(60, 40, 30),
                 width=8 * SCALE)  # fmt: skip
    draw.line(s(1390, 140, 1390, 70), fill=(40, 30, 25), width=8 * SCALE)
    draw.line(s(1390, 140, 1340, 170), fill=(40, 30, 25), width=10 * SCALE)
    return image


def waterfront() -> Image.Image:
    image = gradient((180, 210, 236), (236, 240, 244))
    draw = ImageDraw.Draw(image)
    rng = random.Random(3)
    x = 0
    while x < WIDTH:  # the waterfront district's buildings
        width, height = rng.randrange(90, 180), rng.randrange(180, 420)
        colour = rng.choice([(196, 120, 90), (220, 196, 160), (150, 160, 170), (120, 90, 80)])
        draw.rectangle(s(x, 560 - height, x + width, 560), fill=colour)
        for wy in range(560 - height + 30, 540, 50):
            for wx in range(x + 15, x + width - 25, 40):
                draw.rectangle(s(wx, wy, wx + 18, wy + 24), fill=(250, 236, 190))
        x += width + 6
    draw.rectangle(s(0, 560, WIDTH, 640), fill=(40, 90, 130))  # the harbour
    draw.rectangle(s(0, 640, WIDTH, HEIGHT), fill=(80, 84, 90))  # the road
    for lane in (760, 880):
        for x in range(30, WIDTH, 150):
            draw.rectangle(s(x, lane, x + 80, lane + 10), fill=(235, 235, 235))
    # The charging gantry over the road, its sign showing the charge.
    draw.rectangle(s(180, 420, 210, 990), fill=(60, 64, 70))
    draw.rectangle(s(1390, 420, 1420, 990), fill=(60, 64, 70))
    draw.rectangle(s(180, 420, 1420, 470), fill=(60, 64, 70))
    draw.rounded_rectangle(s(640, 440, 960, 560), radius=10 * SCALE, fill=(11, 92, 173))
    draw.rectangle(s(700, 480, 900, 500), fill=(255, 255, 255))
    draw.rectangle(s(700, 515, 840, 530), fill=(255, 255, 255))
    for x, y, colour in ((330, 800, (194, 65, 12)), (900, 690, (240, 200, 60)),
                         (1150, 830, (22, 130, 90))):  # fmt: skip
        draw.rounded_rectangle(s(x, y, x + 200, y + 70), radius=18 * SCALE, fill=colour)
        draw.rounded_rectangle(s(x + 40, y - 40, x + 160, y + 10), radius=14 * SCALE,
                               fill=colour)  # fmt: skip
        for wheel in (x + 45, x + 155):
            draw.ellipse(s(wheel - 22, y + 50, wheel + 22, y + 94), fill=(25, 25, 28))
    return image


DRAWINGS = {
    "waterfront-charge.jpg": waterfront,
    "offshore-wind.jpg": wind_farm,
    "heat-pump.jpg": heat_pump,
    "bus-network.jpg": bus_network,
    "library-shelves.jpg": library,
}


def portrait(*, backdrop, skin, hair, shirt, long_hair=False, glasses=False) -> Image.Image:
    """Head and shoulders, flat colours, on a soft backdrop."""
    width, height = PORTRAIT_SIZE
    image = gradient(*backdrop, size=(width * SCALE, height * SCALE))
    draw = ImageDraw.Draw(image)
    if long_hair:  # behind the shoulders and neck
        draw.rounded_rectangle(s(180, 220, 460, 600), radius=110 * SCALE, fill=hair)
    draw.ellipse(s(60, 560, 580, 1040), fill=shirt)  # shoulders
    draw.polygon(s(270, 560, 370, 560, 320, 640), fill=tuple(min(255, c + 30) for c in shirt))
    draw.rectangle(s(280, 430, 360, 580), fill=skin)  # neck
    draw.ellipse(s(205, 190, 435, 480), fill=skin)  # face
    draw.ellipse(s(190, 300, 222, 370), fill=skin)  # ears
    draw.ellipse(s(418, 300, 450, 370), fill=skin)
    draw.chord(s(195, 160, 445, 400), 180, 360, fill=hair)  # hair over the brow
    for x in (272, 368):  # eyes
        draw.ellipse(s(x - 11, 318, x + 11, 336), fill=(40, 36, 34))
        if glasses:
            draw.ellipse(s(x - 34, 298, x + 34, 356), outline=(30, 30, 30), width=5 * SCALE)
    if glasses:
        draw.line(s(306, 324, 334, 324), fill=(30, 30, 30), width=5 * SCALE)
    draw.arc(s(282, 380, 358, 430), 20, 160, fill=(150, 70, 60), width=5 * SCALE)  # a smile
    return image


PORTRAIT_DRAWINGS = {
    "mara-okafor.jpg": lambda: portrait(
        backdrop=((232, 240, 249), (170, 196, 226)),
        skin=(120, 78, 52),
        hair=(34, 26, 24),
        shirt=(11, 92, 173),
        long_hair=True,
    ),
    "daniel-achterberg.jpg": lambda: portrait(
        backdrop=((250, 236, 214), (214, 180, 140)),
        skin=(236, 196, 170),
        hair=(150, 96, 52),
        shirt=(60, 110, 80),
        glasses=True,
    ),
}


def save(picture: Image.Image, path: Path, size) -> None:
    picture.resize(size, Image.Resampling.LANCZOS).save(
        path, quality=82, optimize=True, progressive=True
    )
    print(path, path.stat().st_size)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in DRAWINGS.items():
        save(draw(), OUT / name, (WIDTH, HEIGHT))
    PORTRAITS.mkdir(parents=True, exist_ok=True)
    for name, draw in PORTRAIT_DRAWINGS.items():
        save(draw(), PORTRAITS / name, PORTRAIT_SIZE)
