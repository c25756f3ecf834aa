"""Flask extensions, created unbound and initialised in the app factory."""

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from matchmaker.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# No default limits: only sign-in and password-reset requests are limited, where guessing is the threat.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# The impact figures and the annual report PDF (see web/impact/cache.py).
cache = Cache()
