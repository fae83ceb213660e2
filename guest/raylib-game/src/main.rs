//! A tiny breakout played by an AI paddle, drawn by the real raylib 5.5
//! through `wit/raylib.wit`: every `Color`, `Vector2`, `Rectangle` and
//! `Camera2D` below crosses into C by value.
//!
//! Usage: `raylib-game [FRAMES] [SCREENSHOT.png]`. Without FRAMES it runs
//! until the window closes; with FRAMES it stops after that many frames,
//! saving the last one as SCREENSHOT (in the host's working directory) when
//! a name is given. The simulation uses a fixed time step and a seeded
//! generator, so the same FRAMES always gives the same picture.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/raylib.wit"],
    world: "dlwit:raylib/game",
    generate_all,
});

use dlwit::raylib::raylib::{
    self as rl, Camera2d, Color, Image, Rectangle, Texture, TraceLogLevel, Vector2,
};

const WIDTH: i32 = 800;
const HEIGHT: i32 = 450;
const TITLE: &str = "dlwit × raylib";
/// The fixed time step: one frame at 60 frames per second.
const DT: f32 = 1.0 / 60.0;
/// Physics steps per frame, so fast balls do not skip through bricks.
const SUBSTEPS: usize = 2;

/// The playfield, inside the walls, below the score bar.
const FIELD_LEFT: f32 = 12.0;
const FIELD_RIGHT: f32 = WIDTH as f32 - 12.0;
const FIELD_TOP: f32 = 44.0;

const BRICK_COLS: usize = 12;
const BRICK_ROWS: usize = 6;
const BRICK_TOP: f32 = 70.0;
const BRICK_W: f32 = 60.0;
const BRICK_H: f32 = 20.0;
const BRICK_GAP: f32 = 4.0;

const BALLS: usize = 3;
const BALL_R: f32 = 7.0;
const BALL_SPEED: f32 = 360.0;

const PADDLE_Y: f32 = 410.0;
const PADDLE_H: f32 = 12.0;
const PADDLE_W: f32 = 120.0;
const PADDLE_W_WIDE: f32 = 160.0;
const PADDLE_SPEED: f32 = 1300.0;

const WHITE: Color = rgba(255, 255, 255, 255);
const BLACK: Color = rgba(0, 0, 0, 255);
const GOLD: Color = rgba(255, 203, 0, 255);
const SKY: Color = rgba(102, 191, 255, 255);
const WASM_PURPLE: Color = rgba(101, 79, 240, 255);
const BG_TOP: Color = rgba(14, 16, 38, 255);
const BG_BOTTOM: Color = rgba(38, 18, 52, 255);

const fn rgba(r: u8, g: u8, b: u8, a: u8) -> Color {
    Color { r, g, b, a }
}

const fn v2(x: f32, y: f32) -> Vector2 {
    Vector2 { x, y }
}

const fn rect(x: f32, y: f32, width: f32, height: f32) -> Rectangle {
    Rectangle {
        x,
        y,
        width,
        height,
    }
}

fn dot(a: Vector2, b: Vector2) -> f32 {
    a.x * b.x + a.y * b.y
}

/// A small xorshift generator: the game's own randomness, so a run does
/// not depend on anything but its seed.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// A value in `lo..hi`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * (self.next() >> 8) as f32 / (1u32 << 24) as f32
    }
}

struct Brick {
    rect: Rectangle,
    color: Color,
    alive: bool,
}

struct Ball {
    pos: Vector2,
    vel: Vector2,
    color: Color,
    alive: bool,
    /// Seconds until a lost ball comes back on the paddle.
    respawn: f32,
    /// Bricks broken since the ball last touched the paddle.
    combo: u32,
    trail: Vec<Vector2>,
}

struct Particle {
    pos: Vector2,
    vel: Vector2,
    color: Color,
    life: f32,
}

/// A "+N" that floats up from a broken brick.
struct Popup {
    pos: Vector2,
    text: String,
    color: Color,
    life: f32,
}

/// A capsule dropped by some bricks: catching it widens the paddle.
struct Capsule {
    rect: Rectangle,
    color: Color,
}

struct Game {
    rng: Rng,
    bricks: Vec<Brick>,
    balls: Vec<Ball>,
    particles: Vec<Particle>,
    popups: Vec<Popup>,
    capsules: Vec<Capsule>,
    paddle_x: f32,
    /// Where the AI wants the paddle's centre.
    aim: f32,
    wide: f32,
    flash: f32,
    shake: f32,
    score: u32,
    lost: u32,
    level: u32,
    time: f32,
}

impl Game {
    fn new() -> Game {
        let mut game = Game {
            rng: Rng(0x2545_f491),
            bricks: Vec::new(),
            balls: Vec::new(),
            particles: Vec::new(),
            popups: Vec::new(),
            capsules: Vec::new(),
            paddle_x: WIDTH as f32 / 2.0,
            aim: WIDTH as f32 / 2.0,
            wide: 0.0,
            flash: 0.0,
            shake: 0.0,
            score: 0,
            lost: 0,
            level: 1,
            time: 0.0,
        };
        game.build_wall();
        for i in 0..BALLS {
            // raylib's own generator, seeded in `main`, picks the launch angles.
            let deg = rl::get_random_value(-50, 50) as f32;
            let a = deg.to_radians();
            game.balls.push(Ball {
                pos: v2(250.0 + 150.0 * i as f32, 300.0 - 25.0 * i as f32),
                vel: v2(a.sin() * BALL_SPEED, -a.cos() * BALL_SPEED),
                color: rl::color_from_hsv(40.0 + 120.0 * i as f32, 0.55, 1.0),
                alive: true,
                respawn: 0.0,
                combo: 0,
                trail: Vec::new(),
            });
        }
        game
    }

    fn build_wall(&mut self) {
        let left = (WIDTH as f32 - BRICK_COLS as f32 * BRICK_W) / 2.0;
        self.bricks.clear();
        for row in 0..BRICK_ROWS {
            for col in 0..BRICK_COLS {
                let hue = (row as f32 * 42.0 + col as f32 * 3.0 + self.level as f32 * 90.0) % 360.0;
                self.bricks.push(Brick {
                    rect: rect(
                        left + col as f32 * BRICK_W + BRICK_GAP / 2.0,
                        BRICK_TOP + row as f32 * (BRICK_H + BRICK_GAP),
                        BRICK_W - BRICK_GAP,
                        BRICK_H,
                    ),
                    color: rl::color_from_hsv(hue, 0.72, 0.96),
                    alive: true,
                });
            }
        }
    }

    fn paddle_width(&self) -> f32 {
        if self.wide > 0.0 {
            PADDLE_W_WIDE
        } else {
            PADDLE_W
        }
    }

    fn paddle(&self) -> Rectangle {
        let w = self.paddle_width();
        rect(self.paddle_x - w / 2.0, PADDLE_Y, w, PADDLE_H)
    }

    fn bricks_left(&self) -> usize {
        self.bricks.iter().filter(|b| b.alive).count()
    }

    /// One fixed time step of the whole game.
    fn update(&mut self) {
        self.time += DT;
        self.think();
        let step = DT / SUBSTEPS as f32;
        for _ in 0..SUBSTEPS {
            self.move_balls(step);
            self.collide_balls();
        }
        for ball in &mut self.balls {
            if ball.alive {
                ball.trail.insert(0, ball.pos);
                ball.trail.truncate(12);
            }
        }
        self.update_effects();
        if self.bricks_left() == 0 {
            self.level += 1;
            self.build_wall();
        }
    }

    /// The AI: follow the ball that will reach the paddle first, predicting
    /// its bounces off the side walls, and hit it a little off-centre so
    /// that it flies towards the side with more bricks.
    fn think(&mut self) {
        let mut coming: Vec<(f32, f32)> = self
            .balls
            .iter()
            .filter(|b| b.alive && b.vel.y > 0.0)
            .map(|b| {
                let t = (PADDLE_Y - BALL_R - b.pos.y) / b.vel.y;
                let x = fold(
                    b.pos.x + b.vel.x * t,
                    FIELD_LEFT + BALL_R,
                    FIELD_RIGHT - BALL_R,
                );
                (t, x)
            })
            .filter(|&(t, _)| t >= 0.0)
            .collect();
        coming.sort_by(|a, b| a.0.total_cmp(&b.0));
        // The first ball the paddle can still reach, else the first one.
        let reach = self.paddle_width() * 0.4;
        let pick = coming
            .iter()
            .position(|&(t, x)| (x - self.paddle_x).abs() - reach <= PADDLE_SPEED * t)
            .unwrap_or(0);
        self.aim = match (coming.get(pick), coming.get(pick + 1)) {
            // Another ball follows: meet this one with the paddle's end
            // nearer to where the next one lands.
            (Some(&(_, x)), Some(&(_, next))) => x + (next - x).clamp(-reach, reach),
            // The last ball coming: hit it off-centre, towards more bricks.
            (Some(&(_, x)), None) => {
                let (mut left, mut right) = (0usize, 0usize);
                for b in self.bricks.iter().filter(|b| b.alive) {
                    if b.rect.x + b.rect.width / 2.0 < WIDTH as f32 / 2.0 {
                        left += 1;
                    } else {
                        right += 1;
                    }
                }
                let lean = self.paddle_width() * 0.22;
                if left > right { x + lean } else { x - lean }
            }
            _ => WIDTH as f32 / 2.0,
        };
        let max = PADDLE_SPEED * DT;
        self.paddle_x += (self.aim - self.paddle_x).clamp(-max, max);
        // The rounded ends stick out by half the paddle's height.
        let half = (self.paddle_width() + PADDLE_H) / 2.0 + 2.0;
        self.paddle_x = self.paddle_x.clamp(FIELD_LEFT + half, FIELD_RIGHT - half);
    }

    fn move_balls(&mut self, step: f32) {
        let paddle = self.paddle();
        let mut broken = Vec::new();
        for (i, ball) in self.balls.iter_mut().enumerate() {
            if !ball.alive {
                ball.respawn -= step;
                if ball.respawn <= 0.0 {
                    let a = self.rng.range(-0.6, 0.6);
                    ball.pos = v2(self.paddle_x, PADDLE_Y - BALL_R - 2.0);
                    ball.vel = v2(a.sin() * BALL_SPEED, -a.cos() * BALL_SPEED);
                    ball.alive = true;
                    ball.trail.clear();
                }
                continue;
            }
            ball.pos = rl::vector2_add(ball.pos, rl::vector2_scale(ball.vel, step));

            // Walls.
            if ball.pos.x < FIELD_LEFT + BALL_R {
                ball.pos.x = FIELD_LEFT + BALL_R;
                ball.vel.x = ball.vel.x.abs();
            } else if ball.pos.x > FIELD_RIGHT - BALL_R {
                ball.pos.x = FIELD_RIGHT - BALL_R;
                ball.vel.x = -ball.vel.x.abs();
            }
            if ball.pos.y < FIELD_TOP + BALL_R {
                ball.pos.y = FIELD_TOP + BALL_R;
                ball.vel.y = ball.vel.y.abs();
            }
            if ball.pos.y > HEIGHT as f32 + 3.0 * BALL_R {
                ball.alive = false;
                ball.respawn = 1.0;
                ball.combo = 0;
                self.lost += 1;
                self.shake += 6.0;
                continue;
            }

            // The paddle: where the ball lands sets the outgoing angle.
            if ball.vel.y > 0.0 && rl::check_collision_circle_rec(ball.pos, BALL_R, paddle) {
                let off = ((ball.pos.x - self.paddle_x) / (paddle.width / 2.0)).clamp(-1.0, 1.0);
                let a = off * 60f32.to_radians();
                let speed = rl::vector2_length(ball.vel);
                ball.vel = v2(a.sin() * speed, -a.cos() * speed);
                ball.pos.y = PADDLE_Y - BALL_R;
                ball.combo = 0;
                self.flash = 1.0;
            }

            // Bricks: the overlap of the ball's box with the brick tells
            // which side it hit.
            let bbox = rect(
                ball.pos.x - BALL_R,
                ball.pos.y - BALL_R,
                2.0 * BALL_R,
                2.0 * BALL_R,
            );
            for (j, brick) in self.bricks.iter_mut().enumerate() {
                if !brick.alive || !rl::check_collision_circle_rec(ball.pos, BALL_R, brick.rect) {
                    continue;
                }
                let overlap = rl::get_collision_rec(bbox, brick.rect);
                let centre = v2(
                    brick.rect.x + brick.rect.width / 2.0,
                    brick.rect.y + brick.rect.height / 2.0,
                );
                if overlap.width < overlap.height {
                    ball.vel.x = ball.vel.x.abs() * (ball.pos.x - centre.x).signum();
                } else {
                    ball.vel.y = ball.vel.y.abs() * (ball.pos.y - centre.y).signum();
                }
                brick.alive = false;
                ball.combo += 1;
                broken.push((i, j));
                break;
            }
        }
        for (i, j) in broken {
            self.break_brick(i, j);
        }
    }

    fn break_brick(&mut self, ball: usize, brick: usize) {
        let b = &self.bricks[brick];
        let (r, color) = (b.rect, b.color);
        let centre = v2(r.x + r.width / 2.0, r.y + r.height / 2.0);
        let combo = self.balls[ball].combo;
        let points = 10 * combo;
        self.score += points;
        self.shake = (self.shake + 3.0 + combo as f32).min(10.0);
        for _ in 0..14 {
            let a = self.rng.range(0.0, std::f32::consts::TAU);
            let s = self.rng.range(60.0, 240.0);
            self.particles.push(Particle {
                pos: v2(
                    self.rng.range(r.x, r.x + r.width),
                    self.rng.range(r.y, r.y + r.height),
                ),
                vel: v2(a.cos() * s, a.sin() * s - 60.0),
                color: rl::color_lerp(color, WHITE, self.rng.range(0.0, 0.5)),
                life: self.rng.range(0.5, 1.1),
            });
        }
        self.popups.push(Popup {
            pos: centre,
            text: if combo > 1 {
                format!("+{points} x{combo}")
            } else {
                format!("+{points}")
            },
            color: rl::color_lerp(color, WHITE, 0.75),
            life: 1.0,
        });
        if self.rng.next().is_multiple_of(5) {
            self.capsules.push(Capsule {
                rect: rect(centre.x - 18.0, centre.y - 6.0, 36.0, 12.0),
                color: rl::color_from_hsv(self.rng.range(0.0, 360.0), 0.5, 1.0),
            });
        }
    }

    /// Equal-mass elastic collisions between the balls.
    fn collide_balls(&mut self) {
        for i in 0..self.balls.len() {
            for j in i + 1..self.balls.len() {
                let (a, b) = (&self.balls[i], &self.balls[j]);
                if !a.alive
                    || !b.alive
                    || !rl::check_collision_circles(a.pos, BALL_R, b.pos, BALL_R)
                {
                    continue;
                }
                let n = rl::vector2_normalize(rl::vector2_subtract(b.pos, a.pos));
                let gap = 2.0 * BALL_R - rl::vector2_distance(a.pos, b.pos);
                let push = rl::vector2_scale(n, gap / 2.0);
                let approach = dot(rl::vector2_subtract(a.vel, b.vel), n);
                let (ap, av, bp, bv) = (a.pos, a.vel, b.pos, b.vel);
                let swap = rl::vector2_scale(n, approach.max(0.0));
                self.balls[i].pos = rl::vector2_subtract(ap, push);
                self.balls[j].pos = rl::vector2_add(bp, push);
                self.balls[i].vel = rl::vector2_subtract(av, swap);
                self.balls[j].vel = rl::vector2_add(bv, swap);
                if approach > 0.0 {
                    self.shake = (self.shake + 2.0).min(10.0);
                }
            }
        }
    }

    fn update_effects(&mut self) {
        for p in &mut self.particles {
            p.vel.y += 520.0 * DT;
            p.pos = rl::vector2_add(p.pos, rl::vector2_scale(p.vel, DT));
            p.life -= DT;
        }
        self.particles.retain(|p| p.life > 0.0);
        for p in &mut self.popups {
            p.pos.y -= 40.0 * DT;
            p.life -= DT;
        }
        self.popups.retain(|p| p.life > 0.0);

        let paddle = self.paddle();
        let mut caught = 0;
        self.capsules.retain_mut(|c| {
            c.rect.y += 150.0 * DT;
            if rl::check_collision_recs(c.rect, paddle) {
                caught += 1;
                return false;
            }
            c.rect.y < HEIGHT as f32
        });
        if caught > 0 {
            self.score += 50 * caught;
            self.wide = 6.0;
            self.popups.push(Popup {
                pos: v2(self.paddle_x, PADDLE_Y - 20.0),
                text: "WIDE +50".into(),
                color: GOLD,
                life: 1.0,
            });
        }
        self.wide = (self.wide - DT).max(0.0);
        self.flash = (self.flash - 4.0 * DT).max(0.0);
        self.shake *= 0.86;
    }

    /// The camera: a subtle shake after hits, from the seeded generator.
    fn camera(&mut self) -> Camera2d {
        let (dx, dy) = if self.shake > 0.2 {
            (
                self.rng.range(-1.0, 1.0) * self.shake,
                self.rng.range(-1.0, 1.0) * self.shake,
            )
        } else {
            (0.0, 0.0)
        };
        Camera2d {
            offset: v2(WIDTH as f32 / 2.0 + dx, HEIGHT as f32 / 2.0 + dy),
            target: v2(WIDTH as f32 / 2.0, HEIGHT as f32 / 2.0),
            // No rotation: even a fraction of a degree steps the brick edges.
            rotation: 0.0,
            zoom: 1.0,
        }
    }

    /// The playfield, drawn through the camera.
    fn draw_world(&self) {
        // Walls.
        let wall = rl::fade(SKY, 0.35);
        rl::draw_line_ex(
            v2(FIELD_LEFT, HEIGHT as f32),
            v2(FIELD_LEFT, FIELD_TOP),
            3.0,
            wall,
        );
        rl::draw_line_ex(
            v2(FIELD_RIGHT, FIELD_TOP),
            v2(FIELD_RIGHT, HEIGHT as f32),
            3.0,
            wall,
        );
        rl::draw_line_ex(
            v2(FIELD_LEFT - 1.5, FIELD_TOP),
            v2(FIELD_RIGHT + 1.5, FIELD_TOP),
            3.0,
            wall,
        );

        // Bricks: a face, a lighter top edge, a darker outline.
        for b in self.bricks.iter().filter(|b| b.alive) {
            let r = b.rect;
            rl::draw_rectangle_rec(
                rect(r.x + 3.0, r.y + 4.0, r.width, r.height),
                rl::fade(BLACK, 0.3),
            );
            rl::draw_rectangle_rec(r, b.color);
            rl::draw_rectangle_rec(
                rect(r.x, r.y, r.width, 5.0),
                rl::color_lerp(b.color, WHITE, 0.45),
            );
            rl::draw_rectangle_lines_ex(r, 1.5, rl::color_lerp(b.color, BLACK, 0.35));
        }

        // Capsules.
        for c in &self.capsules {
            let r = c.rect;
            let h = r.height / 2.0;
            rl::draw_circle_v(v2(r.x, r.y + h), h, c.color);
            rl::draw_circle_v(v2(r.x + r.width, r.y + h), h, c.color);
            rl::draw_rectangle_rec(r, c.color);
            let w = rl::measure_text("W", 10);
            rl::draw_text(
                "W",
                (r.x + r.width / 2.0) as i32 - w / 2,
                r.y as i32 + 1,
                10,
                BLACK,
            );
        }

        // Particles fade out as they fall.
        for p in &self.particles {
            let alpha = (p.life / 0.8).min(1.0);
            rl::draw_rectangle_rec(
                rect(p.pos.x - 2.0, p.pos.y - 2.0, 4.0, 4.0),
                rl::fade(p.color, alpha),
            );
        }

        // The AI's aim: a faint line from the paddle to where it is going.
        let paddle = self.paddle();
        let from = v2(self.paddle_x, PADDLE_Y + PADDLE_H / 2.0);
        let mark = PADDLE_Y + PADDLE_H + 7.0;
        rl::draw_line_v(from, v2(self.aim, mark), rl::fade(GOLD, 0.5));
        rl::draw_circle_lines(self.aim as i32, mark as i32, 3.0, rl::fade(GOLD, 0.7));

        // Balls: a glow, a fading trail, the ball and a highlight.
        for ball in self.balls.iter().filter(|b| b.alive) {
            let n = ball.trail.len() as f32;
            for (k, p) in ball.trail.iter().enumerate().skip(1) {
                let t = 1.0 - k as f32 / n;
                rl::draw_circle_v(
                    *p,
                    BALL_R * (0.35 + 0.6 * t),
                    rl::fade(ball.color, 0.35 * t),
                );
            }
            rl::draw_circle_v(ball.pos, BALL_R * 2.4, rl::fade(ball.color, 0.12));
            rl::draw_circle_v(ball.pos, BALL_R, ball.color);
            rl::draw_circle_v(
                v2(ball.pos.x - 2.0, ball.pos.y - 2.0),
                2.5,
                rl::fade(WHITE, 0.8),
            );
        }

        // The paddle glows white when hit and gold when wide.
        let base = if self.wide > 0.0 { GOLD } else { SKY };
        let face = rl::color_lerp(base, WHITE, self.flash * 0.8);
        let h = PADDLE_H / 2.0;
        rl::draw_rectangle_rec(
            rect(
                paddle.x - 6.0,
                paddle.y - 6.0,
                paddle.width + 12.0,
                paddle.height + 12.0,
            ),
            rl::fade(base, 0.12 + 0.2 * self.flash),
        );
        rl::draw_circle_v(v2(paddle.x, paddle.y + h), h, face);
        rl::draw_circle_v(v2(paddle.x + paddle.width, paddle.y + h), h, face);
        rl::draw_rectangle_rec(paddle, face);
        rl::draw_rectangle_rec(
            rect(paddle.x, paddle.y + 2.0, paddle.width, 3.0),
            rl::color_lerp(face, WHITE, 0.5),
        );

        // Floating points.
        for p in &self.popups {
            let w = rl::measure_text(&p.text, 20);
            let (x, y) = (p.pos.x as i32 - w / 2, p.pos.y as i32 - 10);
            let alpha = p.life.min(1.0);
            rl::draw_text(&p.text, x + 2, y + 2, 20, rl::fade(BLACK, 0.7 * alpha));
            rl::draw_text(&p.text, x, y, 20, rl::fade(p.color, alpha));
        }
    }

    /// The score bar, in screen space.
    fn draw_hud(&self, logo: &Texture, frame: u64) {
        rl::draw_rectangle(0, 0, WIDTH, 36, rl::fade(BLACK, 0.55));
        rl::draw_line(0, 36, WIDTH, 36, rl::fade(SKY, 0.5));

        // The logo texture with "WA" over it, then the score.
        logo.draw(10, 4, WHITE);
        let w = rl::measure_text("WA", 10);
        rl::draw_text("WA", 10 + 14 - w / 2, 4 + 15, 10, WHITE);
        rl::draw_text(&format!("SCORE {:05}", self.score), 46, 9, 20, WHITE);

        // The title, centred, its hue drifting between orange and yellow.
        let size = 24;
        let tw = rl::measure_text(TITLE, size);
        let hue = 32.0 + 22.0 * (self.time * 1.5).sin();
        let glow = rl::color_from_hsv(hue, 0.8, 1.0);
        rl::draw_text(TITLE, (WIDTH - tw) / 2 + 2, 8, size, rl::fade(BLACK, 0.6));
        rl::draw_text(
            TITLE,
            (WIDTH - tw) / 2,
            6,
            size,
            rl::color_lerp(GOLD, glow, 0.5),
        );

        // Lives lost, bricks left, level.
        let right = format!("LV {}  BRICKS {:02}", self.level, self.bricks_left());
        let rw = rl::measure_text(&right, 20);
        rl::draw_text(&right, WIDTH - rw - 12, 9, 20, rl::fade(WHITE, 0.85));

        let footer = format!(
            "frame {frame}  -  raylib 5.5 from a wasm component: Color, Vector2, Rectangle, Camera2D by value  -  missed {}",
            self.lost
        );
        let fw = rl::measure_text(&footer, 10);
        rl::draw_text(
            &footer,
            (WIDTH - fw) / 2,
            HEIGHT - 12,
            10,
            rl::fade(WHITE, 0.45),
        );
    }
}

/// Folds `x` into `lo..=hi` as a ball bouncing between two walls would.
fn fold(x: f32, lo: f32, hi: f32) -> f32 {
    let span = hi - lo;
    let mut t = (x - lo).rem_euclid(2.0 * span);
    if t > span {
        t = 2.0 * span - t;
    }
    lo + t
}

/// The background: a vertical gradient with a grid of dots and a few soft
/// rings, drawn once into an image and uploaded as a texture.
fn background() -> Image {
    let img = Image::gen_color(WIDTH, HEIGHT, BG_TOP);
    let band = 6;
    for y in (0..HEIGHT).step_by(band) {
        let t = y as f32 / HEIGHT as f32;
        img.draw_rectangle(
            0,
            y,
            WIDTH,
            band as i32,
            rl::color_lerp(BG_TOP, BG_BOTTOM, t),
        );
    }
    let mut rng = Rng(0x9e37_79b9);
    for _ in 0..7 {
        let x = rng.range(0.0, WIDTH as f32) as i32;
        let y = rng.range(60.0, HEIGHT as f32) as i32;
        let r = rng.range(40.0, 110.0) as i32;
        let t = y as f32 / HEIGHT as f32;
        let bg = rl::color_lerp(BG_TOP, BG_BOTTOM, t);
        let tint = rl::color_from_hsv(rng.range(180.0, 300.0), 0.6, 0.9);
        img.draw_circle(x, y, r, rl::color_lerp(bg, tint, 0.07));
        img.draw_circle(x, y, r * 2 / 3, rl::color_lerp(bg, tint, 0.1));
    }
    for y in (20..HEIGHT).step_by(25) {
        for x in (12..WIDTH).step_by(25) {
            let t = y as f32 / HEIGHT as f32;
            let bg = rl::color_lerp(BG_TOP, BG_BOTTOM, t);
            img.draw_circle(x, y, 1, rl::color_lerp(bg, SKY, 0.25));
        }
    }
    img
}

/// A 28×28 WebAssembly-style badge: a purple square with a notch on top.
fn logo() -> Image {
    let img = Image::gen_color(28, 28, rgba(0, 0, 0, 0));
    img.draw_rectangle(0, 0, 28, 28, WASM_PURPLE);
    img.draw_circle(14, 0, 6, rgba(0, 0, 0, 0));
    img.draw_rectangle(0, 26, 28, 2, rl::color_lerp(WASM_PURPLE, BLACK, 0.3));
    img
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let frames: Option<u64> = args.first().map(|a| {
        a.parse().unwrap_or_else(|_| {
            eprintln!("usage: raylib-game [FRAMES] [SCREENSHOT.png]");
            std::process::exit(2)
        })
    });
    let screenshot = args.get(1).cloned();

    rl::set_trace_log_level(TraceLogLevel::Warning);
    rl::init_window(WIDTH, HEIGHT, TITLE);
    if !rl::is_window_ready() {
        eprintln!("raylib-game: no window (is there a display?)");
        std::process::exit(1);
    }
    rl::set_target_fps(60);
    rl::set_random_seed(2024);

    let bg_texture = Texture::from_image(&background());
    let logo_texture = Texture::from_image(&logo());
    assert!(bg_texture.is_valid() && logo_texture.is_valid());

    let mut game = Game::new();
    let mut frame = 0u64;
    while frames.is_none_or(|n| frame < n) && !rl::window_should_close() {
        game.update();
        frame += 1;
        let camera = game.camera();

        rl::begin_drawing();
        rl::clear_background(BG_TOP);
        bg_texture.draw(0, 0, WHITE);
        rl::begin_mode2d(camera);
        game.draw_world();
        rl::end_mode2d();
        game.draw_hud(&logo_texture, frame);

        if frames == Some(frame)
            && let Some(name) = &screenshot
        {
            // `end-mode2d` flushes raylib's batch, so the back buffer holds
            // the whole frame before `end-drawing` swaps it away.
            rl::begin_mode2d(camera);
            rl::end_mode2d();
            // A screenshot, into the guest's own directories.
            if !Image::from_screen().export(name) {
                eprintln!("raylib-game: cannot save the screenshot {name}");
            }
        }
        rl::end_drawing();
    }

    drop(bg_texture);
    drop(logo_texture);
    rl::close_window();
    println!(
        "raylib-game: {frame} frames, score {}, level {}, {} bricks left, missed {}{}",
        game.score,
        game.level,
        game.bricks_left(),
        game.lost,
        screenshot.map_or(String::new(), |s| format!(", screenshot {s}")),
    );
}
