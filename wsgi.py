from web.app import create_app
from web.gc_tuning import tune_for_serving

app = create_app()
tune_for_serving()
