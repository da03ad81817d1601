/** The app image's gunicorn configs (docker/app/): `default` prints banners that really print, `seed` has the hooks as deployments write them. */
export const GUNICORN_CONFIGS = ["default", "seed"] as const;
export type GunicornConfig = (typeof GUNICORN_CONFIGS)[number];

/** The gunicorn command for a config variant. */
export function gunicornCommand(config: GunicornConfig): string[] {
  return ["gunicorn", "app.main:app", "--config", config === "seed" ? "gunicorn_seed.conf.py" : "gunicorn.conf.py"];
}
